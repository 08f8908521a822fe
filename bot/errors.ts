// Typed errors with stable codes. `code` is what callers switch on; `message`
// is written to be safe to show a user: it never carries a password, a code,
// a token or a secret.
export class ResetDeskError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(code: string, message: string, details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResetDeskError';
    this.code = code;
    this.details = details;
  }
}

/**
 * An error that is a result, never thrown (a check's outcome carried to the
 * caller): built without capturing a stack, which nobody reads and which costs
 * more than the rest of a wrong-code answer's own work.
 */
export function asOutcome<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function isResetDeskError(err: unknown, code?: string): err is ResetDeskError {
  return err instanceof ResetDeskError && (code === undefined || err.code === code);
}
