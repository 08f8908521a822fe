// The PGlite engine runs the store's statements as named prepared statements
// over PGlite's wire-protocol entry point and serializes its own transactions;
// these pin down what that must keep from PGlite's own query() and transaction(),
// in this thread and across the messages to the thread the service runs it on.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from './engine';
import { openPgliteEngine } from './pglite-engine';
import { openPgliteThreadEngine } from './pglite-thread-engine';

const ENGINES: Array<[string, (dataDir?: string) => Promise<Engine>]> = [
  ['in this thread', openPgliteEngine],
  ['on a thread of its own', openPgliteThreadEngine],
];

describe.each(ENGINES)('the PGlite engine %s', (_where, open) => {
  let db: Engine;
  let tables = 0;
  // Each test has a table of its own, so a statement one test prepared never meets another's table.
  let t = '';

  beforeAll(async () => {
    db = await open();
  });

  beforeEach(async () => {
    t = `t${(tables += 1)}`;
    await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, at timestamptz, doc jsonb, big bigint, flag boolean, ref uuid, raw bytea, note text)`);
  });

  afterAll(async () => {
    await db?.close();
  });

  it('returns values typed as PGlite query() types them, on the first and on later runs of a statement', async () => {
    const at = new Date('2026-11-27T08:00:00.123Z');
    await db.query(`INSERT INTO ${t} VALUES ($1, $2::timestamptz, $3::jsonb, $4, $5, $6::uuid, $7, $8)`, [1, at.toISOString(), JSON.stringify({ a: [1, 'x'] }), 9_007_199_254_740_993n, true, '2f1b8c3e-1d2a-4b5c-8d9e-0a1b2c3d4e5f', Buffer.from([0, 255]), null]);
    for (let run = 0; run < 3; run++) {
      const [row] = await db.query<Record<string, unknown>>(`SELECT * FROM ${t} WHERE id = $1`, [1]);
      expect(row).toEqual({ id: 1, at, doc: { a: [1, 'x'] }, big: 9_007_199_254_740_993n, flag: true, ref: '2f1b8c3e-1d2a-4b5c-8d9e-0a1b2c3d4e5f', raw: new Uint8Array([0, 255]), note: null });
    }
  });

  it('a statement prepared before a schema change runs after it, with the new shape', async () => {
    await db.query(`INSERT INTO ${t} (id, note) VALUES ($1, $2)`, [1, 'before']);
    expect(Object.keys((await db.query(`SELECT * FROM ${t} WHERE id = $1`, [1]))[0]!)).not.toContain('added');
    await db.exec(`ALTER TABLE ${t} ADD COLUMN added text`);
    const [row] = await db.query<Record<string, unknown>>(`SELECT * FROM ${t} WHERE id = $1`, [1]);
    expect(row).toMatchObject({ id: 1, note: 'before', added: null });
  });

  it('a statement from outside waits for an open transaction, so it never sees rows that are then rolled back', async () => {
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const tx = db.transaction(async (q) => {
      await q.query(`INSERT INTO ${t} (id, note) VALUES ($1, $2)`, [7, 'uncommitted']);
      inside();
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('changed my mind');
    });
    const outcome = tx.then(() => 'committed', (err: Error) => err.message);
    await entered;
    const seen = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE id = $1`, [7]);
    expect(await outcome).toBe('changed my mind');
    expect(seen[0]!.n).toBe(0);
  });

  it('a transaction whose statement failed does not commit even when the failure was caught', async () => {
    const result = db.transaction(async (q) => {
      await q.query(`INSERT INTO ${t} (id, note) VALUES ($1, $2)`, [1, 'first']);
      await q.query(`INSERT INTO ${t} (id, note) VALUES ($1, $2)`, [1, 'duplicate']).catch(() => undefined);
      return 'done';
    });
    await expect(result).rejects.toMatchObject({ code: '25P02' });
    expect(await db.query(`SELECT * FROM ${t}`)).toEqual([]);
    // The connection is usable afterwards, inside and outside transactions.
    await db.transaction((q) => q.query(`INSERT INTO ${t} (id) VALUES ($1)`, [2]));
    expect(await db.query(`SELECT id FROM ${t}`)).toEqual([{ id: 2 }]);
  });

  it('a failing statement reports its SQLSTATE and leaves the connection usable', async () => {
    await db.query(`INSERT INTO ${t} (id) VALUES ($1)`, [1]);
    await expect(db.query(`INSERT INTO ${t} (id) VALUES ($1)`, [1])).rejects.toMatchObject({ code: '23505' });
    await expect(db.query(`SELECT nope FROM ${t} WHERE id = $1`, [1])).rejects.toMatchObject({ code: '42703' });
    await expect(db.query(`SELECT id FROM ${t} WHERE id = $1`, [1, 2])).rejects.toThrow(/expects 1 parameters, got 2/);
    expect(await db.query(`SELECT id FROM ${t} WHERE id = $1`, [1])).toEqual([{ id: 1 }]);
  });

  it('runs more distinct statements than it keeps prepared', async () => {
    for (let i = 0; i < 520; i++) await db.query(`INSERT INTO ${t} (id, note) VALUES ($1, $2) RETURNING ${i} AS n`, [i, `row ${i}`]);
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n).toBe(520);
    expect(await db.query(`SELECT note FROM ${t} WHERE id = $1`, [519])).toEqual([{ note: 'row 519' }]);
  });

  it('delivers notifications to listeners, and stops after unlisten', async () => {
    const got: string[] = [];
    const unlisten = await db.listen('pings', (payload) => got.push(payload));
    await db.query("SELECT pg_notify('pings', $1)", ['one']);
    await db.transaction((q) => q.query("SELECT pg_notify('pings', $1)", ['two']));
    await new Promise((resolve) => setImmediate(resolve));
    await unlisten();
    await db.query("SELECT pg_notify('pings', $1)", ['three']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(got).toEqual(['one', 'two']);
  });
});

describe('the PGlite engine on a thread of its own', () => {
  it('a data folder that cannot be opened fails with the reason, and nothing is left running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resetdesk-pglite-'));
    try {
      const notAFolder = join(dir, 'file');
      await writeFile(notAFolder, 'not a database');
      await expect(openPgliteThreadEngine(notAFolder)).rejects.toThrow(/exists and is not a folder/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a process that closes it runs on to its end: the thread keeps the process alive until it has stopped', () => {
    // In a process of its own: jest would keep this one alive anyway.
    const script = `const { openPgliteThreadEngine } = require(${JSON.stringify(join(__dirname, 'pglite-thread-engine.ts'))});
      openPgliteThreadEngine().then(async (db) => { await db.query('SELECT 1'); await db.close(); console.log('closed'); });`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toBe('closed');
  });

  it('keeps its data in a folder across a restart, and refuses calls once closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resetdesk-pglite-'));
    try {
      const first = await openPgliteThreadEngine(dir);
      await first.exec('CREATE TABLE kept (id int PRIMARY KEY)');
      await first.transaction((q) => q.query('INSERT INTO kept VALUES ($1)', [42]));
      await first.close();
      await expect(first.query('SELECT 1')).rejects.toThrow(/stopped/);
      const second = await openPgliteThreadEngine(dir);
      try {
        expect(await second.query('SELECT id FROM kept')).toEqual([{ id: 42 }]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
