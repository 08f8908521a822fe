// A test run that finds the test DC's address held by another run says whom it
// waits for, and after a bounded wait fails naming the holder; a lock whose
// holder died is taken over. The locks here live in a folder of this test's
// own, so real runs on the machine are neither blocked nor touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDcWaitMs, reserveDcAddress, startSambaDc, type DcHolder } from './samba-dc';

const HOST = '127.0.0.10';
let root: string;
let holder: ChildProcess | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'resetdesk-dc-locks-'));
});
afterEach(async () => {
  holder?.kill('SIGKILL');
  holder = undefined;
  await rm(root, { recursive: true, force: true });
});

/** A lock folder for HOST as a run writes it, owned by `pid`. */
async function heldBy(pid: number, what: string): Promise<DcHolder> {
  const dir = join(root, `resetdesk-samba-dc-${HOST}.lock`);
  await mkdir(dir);
  const who: DcHolder = { pid, what, since: '2026-12-02T06:12:44.510Z' };
  await writeFile(join(dir, 'owner'), String(pid));
  await writeFile(join(dir, 'holder.json'), JSON.stringify(who));
  return who;
}

test('a run that finds the only test DC address held by a live run says whom it waits for, and after a bounded wait fails naming it', async () => {
  const previous = process.env.RESETDESK_TEST_DC_POOL;
  process.env.RESETDESK_TEST_DC_POOL = '1';
  holder = spawn('sleep', ['300'], { stdio: 'ignore' });
  const who = await heldBy(holder.pid!, 'test run /work/main/node_modules/.bin/jest --runInBand');
  const said: string[] = [];
  const started = Date.now();
  try {
    const err = await startSambaDc({ lockRoot: root, waitMs: 1_500, onWait: (m) => said.push(m) }).then(() => null, (e: Error) => e);
    const waited = Date.now() - started;
    expect(err?.message).toMatch(/every test DC address is held by another run, and none came free within 2 s/);
    expect(err?.message).toContain(`${HOST}: pid ${who.pid} (${who.what}, since ${who.since}`);
    expect(err?.message).toMatch(/Stop those runs \(or raise RESETDESK_TEST_DC_POOL\)/);
    expect(waited).toBeGreaterThanOrEqual(1_500);
    expect(waited).toBeLessThan(10_000);
    // Said at once, not only when giving up.
    expect(said[0]).toContain(`waiting for a test DC address; all are held:\n  ${HOST}: pid ${who.pid}`);
    // Nothing of the holder's was touched.
    expect(JSON.parse(await readFile(join(root, `resetdesk-samba-dc-${HOST}.lock`, 'holder.json'), 'utf8'))).toEqual(who);
  } finally {
    if (previous === undefined) delete process.env.RESETDESK_TEST_DC_POOL;
    else process.env.RESETDESK_TEST_DC_POOL = previous;
  }
});

test('the wait is bounded by default below jest\'s default timeout, so the holder is named before jest gives up', () => {
  const previous = process.env.RESETDESK_TEST_DC_WAIT_MS;
  delete process.env.RESETDESK_TEST_DC_WAIT_MS;
  try {
    expect(defaultDcWaitMs()).toBeGreaterThan(0);
    expect(defaultDcWaitMs()).toBeLessThan(60_000);
  } finally {
    if (previous !== undefined) process.env.RESETDESK_TEST_DC_WAIT_MS = previous;
  }
});

test('a lock left behind by a run that died is taken over at once', async () => {
  const gone = spawn('true');
  await new Promise((r) => gone.once('exit', r));
  await heldBy(gone.pid!, 'a run that crashed');
  const reserved = await reserveDcAddress({ purpose: 'the stale-lock test', waitMs: 1_000, hosts: [HOST], lockRoot: root });
  expect(reserved).toEqual({ host: HOST, lockDir: join(root, `resetdesk-samba-dc-${HOST}.lock`) });
  expect(JSON.parse(await readFile(join(reserved.lockDir, 'holder.json'), 'utf8'))).toMatchObject({ pid: process.pid, what: 'the stale-lock test' });
});
