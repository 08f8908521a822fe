// The store's Engine for PGlite running on a thread of its own (see
// pglite-worker.ts): every call is a message to that thread and its answer.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ResetDeskError } from '../errors';
import type { Engine, Queryable } from './engine';
import { fromWireError, type PgliteReply, type PgliteRequest, type WireError } from './pglite-rpc';

type Call = PgliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The worker's script: compiled JavaScript next to this file, or its TypeScript source run through tsx (tests, benchmarks). */
function workerScript(): { file: string; execArgv: string[] } {
  const js = join(__dirname, 'pglite-worker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: join(__dirname, 'pglite-worker.ts'), execArgv: ['--import', 'tsx'] };
}

export async function openPgliteThreadEngine(dataDir?: string): Promise<Engine> {
  if (dataDir) {
    const found = await stat(dataDir).catch(() => null);
    // PGlite creates a missing folder, but reports a file in the way only as a bare errno.
    if (found && !found.isDirectory()) throw new ResetDeskError('STORE_DATA_DIR_INVALID', `The data folder ${dataDir} exists and is not a folder.`);
  }
  const { file, execArgv } = workerScript();
  const worker = new Worker(file, { workerData: { dataDir }, execArgv });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  const listeners = new Map<number, (payload: string) => void>();
  let nextId = 0;
  let gone: Error | null = null;

  // The thread keeps the process alive only while an answer is awaited (or it is closing), as a socket would.
  let closing = false;
  const updateRef = () => (pending.size > 0 || closing ? worker.ref() : worker.unref());

  const failAll = (err: Error) => {
    gone ??= err;
    for (const { reject } of pending.values()) reject(err);
    pending.clear();
    updateRef();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: PgliteReply) => {
      if ('ready' in msg) return resolve();
      if ('failed' in msg) return reject(fromWireError(msg.failed));
      if ('notify' in msg) return listeners.get(msg.notify)?.(msg.payload);
      const waiting = pending.get(msg.id);
      if (!waiting) return;
      pending.delete(msg.id);
      updateRef();
      if (msg.ok) waiting.resolve(msg.value);
      else waiting.reject(fromWireError(msg.error as WireError));
    });
    worker.on('error', (err) => {
      reject(err);
      failAll(new Error(`the PGlite thread failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      reject(new Error(`the PGlite thread exited (${code}) before it was ready`));
      failAll(new Error('the PGlite thread has stopped'));
    });
  });
  await ready;
  updateRef();

  function call<T>(request: Call): Promise<T> {
    if (gone) return Promise.reject(gone);
    const id = (nextId += 1);
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      updateRef();
      worker.postMessage({ ...request, id } as PgliteRequest);
    });
  }

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx = await call<number>({ op: 'begin' });
    const q: Queryable = {
      exclusive: true,
      query: <R>(sql: string, params: unknown[] = []) => call<R[]>({ op: 'query', sql, params, tx }),
      exec: (sql: string) => call<void>({ op: 'exec', sql, tx }),
    };
    let result: T;
    try {
      result = await fn(q);
    } catch (err) {
      await call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await call({ op: 'end', tx, commit: true });
    return result;
  }

  return {
    kind: 'pglite',
    exclusive: true,
    query: <T>(sql: string, params: unknown[] = []) => call<T[]>({ op: 'query', sql, params }),
    exec: (sql: string) => call<void>({ op: 'exec', sql }),
    transaction,
    transactionWithLock: (_key, fn) => transaction(fn),
    async listen(channel, onPayload) {
      const subscription = await call<number>({ op: 'listen', channel });
      listeners.set(subscription, onPayload);
      return async () => {
        listeners.delete(subscription);
        await call({ op: 'unlisten', subscription });
      };
    },
    async close() {
      if (gone) return;
      closing = true;
      updateRef();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      await call({ op: 'close' });
      await exited;
    },
  };
}
