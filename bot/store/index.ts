// The storage layer: one schema on embedded PGlite or PostgreSQL, one interface.
export { openStore, type OpenStoreOptions } from './open-store';
export { MIGRATIONS, type Migration } from './migrations';
export { canonicalJson, computeAuditHash, verifyAuditEntries, GENESIS_HASH } from './audit-chain';
export { hashStepToken, stepTokenMatches } from './secret-hash';
export { asStepArrivedNow } from './step-order';
export * from './types';
