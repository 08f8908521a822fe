import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log';
import type { Engine, Queryable } from './engine';
import { OldestStepFirst } from './step-order';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

// Every parameterised statement runs as a named prepared statement, so each
// connection parses and plans it once instead of on every call; the server's
// share of a step is most of its cost on a busy machine. The name is derived
// from the text, so one text always maps to one name. A statement prepared
// before a schema change can be refused ("cached plan must not change result
// type", during a rolling upgrade); it is then run unprepared.
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `rd_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    if (statementNames.size < 10_000) statementNames.set(sql, name);
  }
  return name;
}

async function runPrepared(client: pg.Pool | pg.PoolClient, sql: string, params: unknown[]): Promise<pg.QueryResult> {
  if (params.length === 0) return client.query(sql);
  try {
    return await client.query({ name: statementName(sql), text: sql, values: params });
  } catch (err) {
    if ((err as { code?: string }).code !== '0A000') throw err;
    return client.query(sql, params);
  }
}

function wrapClient(client: pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await runPrepared(client, sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

// LISTEN needs one session that stays open, so it gets its own client outside
// the pool; if that session drops it is re-opened and every channel is
// listened to again, and listeners are told (payload '') that notifications
// may have been missed in between.
class NotificationListener {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private readonly channels = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private backoffMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(private readonly connectionString: string, private readonly logger?: Logger) {}

  async subscribe(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    const isNewChannel = !set;
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(onPayload);
    await this.ensureConnected();
    if (isNewChannel && this.client) await this.client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      const current = this.channels.get(channel);
      if (!current) return;
      current.delete(onPayload);
      if (current.size === 0) {
        this.channels.delete(channel);
        if (this.client && !this.closed) await this.client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      }
    };
  }

  private ensureConnected(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (msg) => {
      for (const fn of this.channels.get(msg.channel) ?? []) fn(msg.payload ?? '');
    });
    client.on('error', (err) => this.onLost(client, err));
    client.on('end', () => this.onLost(client, null));
    await client.connect();
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.client = client;
    this.backoffMs = RECONNECT_MIN_MS;
  }

  private onLost(client: pg.Client, err: Error | null): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.logger?.warn({ err: err?.message }, 'store: notification connection lost; reconnecting');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.ensureConnected().then(
        () => {
          for (const set of this.channels.values()) for (const fn of set) fn('');
        },
        (err: Error) => {
          this.logger?.warn({ err: err.message }, 'store: notification reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.connecting) await this.connecting.catch(() => undefined);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}

// The writeback agents' calls (lease, write start, report) get connections of
// their own: a burst of chat steps (a whole company submitting passwords at
// once) fills the main pool's queue with hundreds of statements, and an
// agent's lease or report waiting behind them holds back the resets those
// same people are waiting for.
const MAIN_POOL_SIZE = 10;
const WRITEBACK_POOL_SIZE = 3;

export async function openPostgresEngine(connectionString: string, logger?: Logger): Promise<Engine> {
  const listener = new NotificationListener(connectionString, logger);
  const main = poolEngine(connectionString, MAIN_POOL_SIZE, listener, logger);
  const writeback = poolEngine(connectionString, WRITEBACK_POOL_SIZE, listener, logger);
  return {
    ...main,
    writeback: { ...writeback, async close() {} },
    async close() {
      await listener.close();
      await Promise.all([main.close(), writeback.close()]);
    },
  };
}

function poolEngine(connectionString: string, max: number, listener: NotificationListener, logger?: Logger): Engine {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client that dies (server restart) must not crash the process.
  pool.on('error', (err) => logger?.warn({ err: err.message }, 'store: idle PostgreSQL client error'));
  // The pool is never asked for more than it has, so who goes next is decided here.
  const slots = new OldestStepFirst(max);

  async function transaction<T>(lockKey: number | null, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    // A session whose ROLLBACK failed is in an unknown state: destroy it rather than pool it.
    let broken: Error | undefined;
    // The pool listens for errors only on idle clients. One that loses its
    // connection while checked out (the server restarts mid-transaction)
    // emits 'error', which with no listener would end the process; the
    // statement in flight fails on its own, so here it only marks the
    // session broken.
    const onLost = (err: Error): void => {
      broken ??= err;
      logger?.warn({ err: err.message }, 'store: PostgreSQL connection lost during a transaction');
    };
    client.on('error', onLost);
    try {
      // One round trip for both: the key is one of our integer constants, never input.
      await client.query(lockKey === null ? 'BEGIN' : `BEGIN; SELECT pg_advisory_xact_lock(${Math.trunc(lockKey)})`);
      const result = await fn(wrapClient(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      client.removeListener('error', onLost);
      client.release(broken);
    }
  }

  return {
    kind: 'postgres',
    async query<T>(sql: string, params: unknown[] = []) {
      return (await slots.run(() => runPrepared(pool, sql, params))).rows as T[];
    },
    async exec(sql: string) {
      await slots.run(() => pool.query(sql));
    },
    transaction: (fn) => slots.run(() => transaction(null, fn)),
    transactionWithLock: (key, fn) => slots.run(() => transaction(key, fn)),
    listen: (channel, onPayload) => listener.subscribe(channel, onPayload),
    async close() {
      await pool.end();
    },
  };
}
