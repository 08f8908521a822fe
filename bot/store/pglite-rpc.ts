// The messages between the service and the thread that runs PGlite. Values
// cross by structured clone (Dates, BigInts and byte arrays survive it);
// errors cross as the fields the store reads (message, SQLSTATE and where).

export type PgliteRequest =
  | { op: 'query'; id: number; sql: string; params: unknown[]; tx?: number }
  | { op: 'exec'; id: number; sql: string; tx?: number }
  | { op: 'begin'; id: number }
  | { op: 'end'; id: number; tx: number; commit: boolean }
  | { op: 'listen'; id: number; channel: string }
  | { op: 'unlisten'; id: number; subscription: number }
  | { op: 'close'; id: number };

export type PgliteReply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: WireError }
  | { notify: number; payload: string }
  | { ready: true }
  | { failed: WireError };

export interface WireError {
  name: string;
  message: string;
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
  column?: string;
  schema?: string;
  severity?: string;
}

const FIELDS = ['code', 'detail', 'constraint', 'table', 'column', 'schema', 'severity'] as const;

export function toWireError(err: unknown): WireError {
  const e = (err ?? {}) as Record<string, unknown>;
  // PGlite's file system throws emscripten errors that carry only an errno.
  const message = typeof e.message === 'string' ? e.message : typeof e.errno === 'number' ? `file system error (errno ${e.errno})` : String(err);
  const wire: WireError = { name: typeof e.name === 'string' ? e.name : 'Error', message };
  for (const field of FIELDS) if (typeof e[field] === 'string') wire[field] = e[field] as string;
  return wire;
}

export function fromWireError(wire: WireError): Error {
  const { name, message, ...fields } = wire;
  const err = Object.assign(new Error(message), fields);
  err.name = name;
  return err;
}
