// Turns what ldapts and the socket layer throw into the agent's typed errors.
// The LDAP result code comes from ldapts' error classes; the meaning within it
// comes from AD's extended error code in the diagnostic message (the Win32
// code in hex, e.g. "0000052D: ..." on a modify, "... data 775, ..." on a bind),
// never from the English prose around it.
import {
  BusyError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  ResultCodeError,
  StrongAuthRequiredError,
  ConfidentialityRequiredError,
  UnavailableError,
  UnwillingToPerformError,
} from 'ldapts';
import {
  AccountLockedError,
  AgentError,
  BindFailedError,
  DirectoryError,
  DirectoryUnavailableError,
  NotPermittedError,
  PolicyViolationError,
  TlsFailureError,
  UserNotFoundError,
  WrongCurrentPasswordError,
  type PolicyViolationReason,
} from '../errors';

// Win32 error codes AD puts in its diagnostic messages.
export const AD_ERROR = {
  ACCESS_DENIED: 0x5,
  INVALID_PASSWORD: 0x56, // ERROR_INVALID_PASSWORD: the current password does not match
  PASSWORD_RESTRICTION: 0x52d, // ERROR_PASSWORD_RESTRICTION: policy refused the new password
  LOGON_FAILURE: 0x52e,
  ACCOUNT_RESTRICTION: 0x52f,
  ACCOUNT_DISABLED: 0x533,
  PASSWORD_EXPIRED: 0x532,
  PASSWORD_MUST_CHANGE: 0x773,
  ACCOUNT_LOCKED_OUT: 0x775,
} as const;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED',
]);

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED',
  'CERT_REVOKED', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

/** The Win32 error code AD embeds in a diagnostic message, if any. */
export function adErrorCode(message: string): number | undefined {
  // A bind failure leads with the SSPI status (80090308) and puts the Win32 code in "data".
  const bindData = /\bdata ([0-9A-Fa-f]{1,8}),/.exec(message);
  if (bindData) return parseInt(bindData[1]!, 16);
  const leading = /^\s*([0-9A-Fa-f]{8}):/.exec(message);
  if (leading) return parseInt(leading[1]!, 16);
  return undefined;
}

// Windows sends no reason with 0000052D. Samba does, in a fixed sentence per
// rule; it is only a hint, used after the agent's own prechecks have passed.
function sambaPolicyHint(message: string): PolicyViolationReason {
  if (/in history/i.test(message)) return 'history';
  if (/too young/i.test(message)) return 'too_young';
  if (/too short/i.test(message)) return 'too_short';
  if (/complexity/i.test(message)) return 'complexity';
  return 'unknown';
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(8, '0');
}

export function isTransportError(err: unknown): boolean {
  return classifyTransport(err) !== undefined;
}

function classifyTransport(err: unknown): 'tls' | 'unreachable' | undefined {
  // Duck-typed: socket errors may come from another realm (e.g. under jest), where instanceof Error fails.
  if (typeof err !== 'object' || err === null || err instanceof ResultCodeError) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  if (typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) return 'tls';
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'unreachable';
  // ldapts' own connection failures carry no code; these are its fixed texts.
  if (/^Connection timeout$|Operation timed out|^Socket error|Socket connection not established|socket hang up|^Connection closed before message response/.test(message)) return 'unreachable';
  return undefined;
}

export type LdapContext = 'bind' | 'search' | 'reset' | 'change' | 'modify';

/** Maps any error from an LDAP call to an AgentError; AgentErrors pass through. */
export function mapLdapError(err: unknown, context: LdapContext, details: Record<string, string | number | boolean> = {}): AgentError {
  if (err instanceof AgentError) return err;
  const transport = classifyTransport(err);
  if (transport === 'tls') return new TlsFailureError({ ...details, tlsCode: String((err as NodeJS.ErrnoException).code ?? '') }, { cause: err });
  if (transport === 'unreachable') return new DirectoryUnavailableError(details, { cause: err });
  if (!(err instanceof ResultCodeError)) return new DirectoryError(details, { cause: err });

  const ad = adErrorCode(err.message);
  const withCodes = { ...details, ldapCode: err.code, ...(ad !== undefined ? { adCode: hex(ad) } : {}) };

  if (ad === AD_ERROR.ACCOUNT_LOCKED_OUT) return new AccountLockedError({ cause: err });
  if (context === 'bind') {
    if (err instanceof InvalidCredentialsError) return new BindFailedError(withCodes, { cause: err });
    if (err instanceof StrongAuthRequiredError || err instanceof ConfidentialityRequiredError) return new TlsFailureError(withCodes, { cause: err });
  }
  if (ad === AD_ERROR.INVALID_PASSWORD) return new WrongCurrentPasswordError({ cause: err });
  if (ad === AD_ERROR.PASSWORD_RESTRICTION) return new PolicyViolationError(sambaPolicyHint(err.message), withCodes, { cause: err });
  if (err instanceof InsufficientAccessError || ad === AD_ERROR.ACCESS_DENIED) return new NotPermittedError(withCodes, { cause: err });
  if (err instanceof NoSuchObjectError) return new UserNotFoundError(withCodes);
  if (err instanceof UnavailableError || err instanceof BusyError) return new DirectoryUnavailableError(withCodes, { cause: err });
  if ((err instanceof ConstraintViolationError || err instanceof UnwillingToPerformError) && context === 'change') {
    return new PolicyViolationError('unknown', withCodes, { cause: err });
  }
  return new DirectoryError(withCodes, { cause: err });
}
