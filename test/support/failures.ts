// Small helpers for tests about how things fail: the typed error a promise
// rejects with, and a logger whose every line the test can read back (for
// canary checks).
import { ResetDeskError } from '../../bot/errors';
import { createLogger, type Logger } from '../../bot/log';

/** The ResetDeskError `p` rejects with; fails the test if it resolves or throws anything else. */
export async function failureOf(p: Promise<unknown>): Promise<ResetDeskError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ResetDeskError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** A logger (trace level unless told, with the production redaction) and everything it wrote, for canary checks. */
export function capturedLogger(opts: { level?: string; name?: string } = {}): { logger: Logger; text: () => string; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: opts.level ?? 'trace', ...(opts.name ? { name: opts.name } : {}) }, { write: (l: string) => void lines.push(l) });
  return { logger, lines, text: () => lines.join('\n') };
}
