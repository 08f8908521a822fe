// Test helpers for anyone whose tests need a real store on either engine.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import type { Logger } from '../log';
import { engineOf, openStore } from './open-store';
import type { Store, StoreEngineKind } from './types';

/** Maintenance database on the local test server; override with RESETDESK_TEST_PG_URL. */
export const TEST_POSTGRES_ADMIN_URL = process.env.RESETDESK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestStore {
  store: Store;
  /** Closes the store and, on PostgreSQL, drops its scratch database. */
  cleanup: () => Promise<void>;
  /** The scratch database's URL (PostgreSQL only), to open a second replica on the same data. */
  databaseUrl?: string;
}

export interface TestStoreOptions {
  now?: () => Date;
  logger?: Logger;
  /** PGlite only: keep the database in this folder (as `npm start` does) instead of in memory. */
  dataDir?: string;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A scratch database of its own per call, so parallel runs and people never collide. */
export async function createScratchDatabase(): Promise<{ databaseUrl: string; drop: () => Promise<void> }> {
  const name = `resetdesk_test_${randomBytes(6).toString('hex')}`;
  try {
    await adminQuery(`CREATE DATABASE ${name}`);
  } catch (err) {
    throw new Error(`PostgreSQL for tests is not reachable at ${TEST_POSTGRES_ADMIN_URL}: ${(err as Error).message}`, { cause: err });
  }
  return {
    databaseUrl: withDatabase(TEST_POSTGRES_ADMIN_URL, name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export async function createTestStore(engine: StoreEngineKind, options: TestStoreOptions = {}): Promise<TestStore> {
  if (engine === 'pglite') {
    const store = await openStore({ ...options });
    return { store, cleanup: () => store.close() };
  }
  const scratch = await createScratchDatabase();
  let store: Store;
  try {
    store = await openStore({ ...options, databaseUrl: scratch.databaseUrl });
  } catch (err) {
    await scratch.drop().catch(() => undefined);
    throw err;
  }
  return {
    store,
    databaseUrl: scratch.databaseUrl,
    cleanup: async () => {
      await store.close();
      await scratch.drop();
    },
  };
}

function postgresAnswers(): boolean {
  const { hostname, port } = new URL(TEST_POSTGRES_ADMIN_URL);
  const probe = `require('net').connect(${Number(port || 5432)}, ${JSON.stringify(hostname)})`
    + `.on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

/**
 * The engines a contract suite should run on. In CI (CI=true) PostgreSQL is
 * always included, so a missing server fails the suite instead of hiding.
 * Locally an absent server is skipped with a loud warning.
 */
export function testEngines(): StoreEngineKind[] {
  if (process.env.CI === 'true' || postgresAnswers()) return ['pglite', 'postgres'];
  console.warn(`\n!!! PostgreSQL is NOT reachable at ${TEST_POSTGRES_ADMIN_URL}: the PostgreSQL half of the store tests is SKIPPED.`
    + `\n!!! Start it (pg_ctlcluster <version> main start) before trusting this run. In CI this is a failure.\n`);
  return ['pglite'];
}

/** Raw SQL as the database superuser, for tests that must bypass the store (tampering, inspection). */
export async function superuserQuery<T = Record<string, unknown>>(store: Store, sql: string, params: unknown[] = []): Promise<T[]> {
  return engineOf(store).query<T>(sql, params);
}

/** Every row of every table in the store's schema as text, for canary searches. */
export async function dumpAllTables(store: Store): Promise<string> {
  const db = engineOf(store);
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await db.query<{ line: string }>(`SELECT row_to_json(t)::text AS line FROM public.${pg.escapeIdentifier(table_name)} t`);
    parts.push(`== ${table_name} (${rows.length})`, ...rows.map((r) => r.line));
  }
  return parts.join('\n');
}

/** A clock tests move by hand, so expiry is tested without sleeping. */
export function createTestClock(start = new Date('2030-01-01T08:00:00.000Z')): { now: () => Date; advance: (ms: number) => void; set: (d: Date) => void } {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (d) => {
      t = d.getTime();
    },
  };
}

/** `promise`, or a failure naming `what` once `ms` have passed without it. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
