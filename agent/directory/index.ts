// The agent's programmatic directory API: what the writeback daemon calls.
export { createDirectory, Directory, encodeUnicodePwd, POLICY_HINTS_OID } from './directory';
export type {
  AboutToWrite, DirectoryConfig, DirectoryOptions, GuardOptions, HistoryEnforcement, Inspection, OperationResult, PasswordVersion,
  ResetOptions, ResetResult, RootDse, UserEntry,
} from './directory';
export type { AccountStatus } from './account-status';
export type { PasswordPolicy } from './policy';
export type { ConfiguredGroup, ConfiguredGroups, PrivilegeFact, PrivilegeFinding } from './privilege';
export { BUILTIN_PROTECTED_GROUPS, MAX_PRIVILEGE_FACTS } from './privilege';
export { resolveTarget, type Target } from './target';
export { connectDirectory, openTls, assertSecureUrls } from './connection';
export * from '../errors';
