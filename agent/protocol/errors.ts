// Stable codes for everything the writeback protocol can refuse. Callers
// switch on `code`; `message` is written for people and never carries a
// password, a token, an enrollment code or key material.
//
// This mirrors bot/errors.ts (`ResetDeskError`) in shape, but agent/protocol
// imports nothing from bot/ so the agent package stays small.
/** Why an agent refuses a job it leased; each is also a code the agent reports back. */
export const JOB_REFUSAL_CODES = [
  'PROTOCOL_JOB_SIGNATURE',
  'PROTOCOL_JOB_INVALID',
  'PROTOCOL_JOB_AUDIENCE',
  'PROTOCOL_JOB_EXPIRED',
  'PROTOCOL_JOB_NOT_YET_VALID',
  'PROTOCOL_SEALED_NOT_FOR_AGENT',
  'PROTOCOL_SEALED_INVALID',
  // This agent already finished a job with this id: a job is done at most once, whatever the service hands out.
  'PROTOCOL_JOB_ALREADY_FINISHED',
] as const;

export const PROTOCOL_ERROR_CODES = [
  'PROTOCOL_INPUT_INVALID',
  'PROTOCOL_KEY_INVALID',
  'PROTOCOL_KEY_FILE_MISSING',
  'PROTOCOL_KEY_FILE_INSECURE',
  'PROTOCOL_KEY_FILE_EXISTS',
  'PROTOCOL_ENROLLMENT_INVALID',
  'PROTOCOL_TOKEN_INVALID',
  'PROTOCOL_TOKEN_EXPIRED',
  'PROTOCOL_TOKEN_REPLAYED',
  'PROTOCOL_AGENT_UNKNOWN',
  'PROTOCOL_AGENT_REVOKED',
  ...JOB_REFUSAL_CODES,
  'PROTOCOL_DN_INVALID',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    details: Record<string, string | number | boolean> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.details = details;
  }
}

export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
