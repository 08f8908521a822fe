// The agent's typed failures. The agent is deployed on its own (inside the
// company network), so it has its own small base class with the same shape as
// the bot's ResetDeskError: a stable `code` callers switch on, and a `message`
// safe to show a user. Neither ever carries a password or the bind secret.
export type PolicyViolationReason = 'too_short' | 'complexity' | 'history' | 'too_young' | 'unknown';

export type AgentErrorCode =
  | 'AGENT_CONFIG_INVALID'
  | 'AGENT_INSECURE_TRANSPORT'
  | 'AGENT_DIRECTORY_UNAVAILABLE'
  | 'AGENT_TLS_FAILURE'
  | 'AGENT_BIND_FAILED'
  | 'AGENT_INVALID_TARGET'
  | 'AGENT_USER_NOT_FOUND'
  | 'AGENT_OUT_OF_SCOPE'
  | 'AGENT_PROTECTED_ACCOUNT'
  | 'AGENT_NOT_PERMITTED'
  | 'AGENT_POLICY_VIOLATION'
  | 'AGENT_WRONG_CURRENT_PASSWORD'
  | 'AGENT_ACCOUNT_LOCKED'
  | 'AGENT_PRIVILEGE_UNDETERMINED'
  | 'AGENT_PROTECTED_GROUP_MISSING'
  | 'AGENT_DIRECTORY_ERROR';

export type AgentErrorDetails = Readonly<Record<string, string | number | boolean>>;

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  readonly details: AgentErrorDetails;

  constructor(code: AgentErrorCode, message: string, details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
    this.details = details;
  }
}

export class ConfigInvalidError extends AgentError {
  constructor(readonly field: string, problem: string) {
    super('AGENT_CONFIG_INVALID', `agent configuration: ${field}: ${problem}`, { field });
    this.name = 'ConfigInvalidError';
  }
}

/** Plain LDAP without StartTLS would send the bind secret and passwords in clear: refused before connecting. */
export class InsecureTransportError extends AgentError {
  constructor(url: string) {
    super('AGENT_INSECURE_TRANSPORT', `refusing plain LDAP to ${url}: use ldaps:// or ldap:// with StartTLS`, { url });
    this.name = 'InsecureTransportError';
  }
}

export class DirectoryUnavailableError extends AgentError {
  constructor(details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super('AGENT_DIRECTORY_UNAVAILABLE', 'No domain controller could be reached. Please try again later.', details, options);
    this.name = 'DirectoryUnavailableError';
  }
}

export class TlsFailureError extends AgentError {
  constructor(details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super('AGENT_TLS_FAILURE', 'The domain controller\'s certificate could not be verified against the configured CA.', details, options);
    this.name = 'TlsFailureError';
  }
}

export class BindFailedError extends AgentError {
  constructor(details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super('AGENT_BIND_FAILED', 'The agent\'s service account could not sign in to the directory.', details, options);
    this.name = 'BindFailedError';
  }
}

export class InvalidTargetError extends AgentError {
  constructor(problem: string) {
    super('AGENT_INVALID_TARGET', `The account identifier is not valid: ${problem}.`);
    this.name = 'InvalidTargetError';
  }
}

export class UserNotFoundError extends AgentError {
  constructor(details: Record<string, string | number | boolean> = {}) {
    super('AGENT_USER_NOT_FOUND', 'The account was not found in the directory.', details);
    this.name = 'UserNotFoundError';
  }
}

export class OutOfScopeError extends AgentError {
  constructor(dn: string) {
    super('AGENT_OUT_OF_SCOPE', 'This account is not managed by ResetDesk; please contact the helpdesk.', { dn });
    this.name = 'OutOfScopeError';
  }
}

export class ProtectedAccountError extends AgentError {
  constructor(dn: string) {
    super('AGENT_PROTECTED_ACCOUNT', 'This is a privileged account; its password can only be changed after approval.', { dn });
    this.name = 'ProtectedAccountError';
  }
}

export class NotPermittedError extends AgentError {
  constructor(details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super('AGENT_NOT_PERMITTED', 'ResetDesk is not permitted to change this account; please contact the helpdesk.', details, options);
    this.name = 'NotPermittedError';
  }
}

/**
 * A lookup needed to tell whether the account is protected failed (an LDAP
 * error, a time-out, a dropped connection, or memberships the service account
 * cannot read). Treating that as "not protected" would reset a Domain Admin
 * without approval, so the operation fails instead, and nothing is cached.
 */
export class PrivilegeUndeterminedError extends AgentError {
  constructor(details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super('AGENT_PRIVILEGE_UNDETERMINED', 'Whether this account is privileged could not be checked, so nothing was changed. Please try again later.', details, options);
    this.name = 'PrivilegeUndeterminedError';
  }
}

/** A group the configuration names as protected does not exist: a renamed or deleted group must not silently stop protecting its members. */
export class ProtectedGroupMissingError extends AgentError {
  constructor(readonly groups: readonly string[]) {
    super(
      'AGENT_PROTECTED_GROUP_MISSING',
      `protectedGroups names ${groups.length === 1 ? 'a group' : 'groups'} that ${groups.length === 1 ? 'does' : 'do'} not exist in the directory: ${groups.join('; ')}. Fix the agent configuration (group names, DNs or SIDs).`,
      { groups: groups.join('; ') },
    );
    this.name = 'ProtectedGroupMissingError';
  }
}

const POLICY_MESSAGES: Record<PolicyViolationReason, string> = {
  too_short: 'The new password is too short.',
  complexity: 'The new password does not meet the complexity rules (mix upper case, lower case, digits and symbols, and avoid your name).',
  history: 'The new password was used recently; choose one you have not used before.',
  too_young: 'The password was changed too recently to be changed again yet.',
  unknown: 'The new password does not meet the password policy.',
};

export class PolicyViolationError extends AgentError {
  readonly reason: PolicyViolationReason;
  constructor(reason: PolicyViolationReason, details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super('AGENT_POLICY_VIOLATION', POLICY_MESSAGES[reason], { ...details, reason }, options);
    this.name = 'PolicyViolationError';
    this.reason = reason;
  }
}

export class WrongCurrentPasswordError extends AgentError {
  constructor(options?: { cause?: unknown }) {
    super('AGENT_WRONG_CURRENT_PASSWORD', 'The current password is not correct.', {}, options);
    this.name = 'WrongCurrentPasswordError';
  }
}

export class AccountLockedError extends AgentError {
  constructor(options?: { cause?: unknown }) {
    super('AGENT_ACCOUNT_LOCKED', 'The account is locked; unlock it first or wait for the lockout to end.', {}, options);
    this.name = 'AccountLockedError';
  }
}

/** Anything the directory refused that has no more specific meaning. */
export class DirectoryError extends AgentError {
  constructor(details: Record<string, string | number | boolean> = {}, options?: { cause?: unknown }) {
    super('AGENT_DIRECTORY_ERROR', 'The directory refused the operation.', details, options);
    this.name = 'DirectoryError';
  }
}

export function isAgentError(err: unknown, code?: AgentErrorCode): err is AgentError {
  return err instanceof AgentError && (code === undefined || err.code === code);
}
