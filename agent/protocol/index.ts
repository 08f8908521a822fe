// The writeback protocol as both ends see it: wire schemas, agent-side
// checks and the key handling they share. Imports nothing from bot/.
export * from './errors';
export * from './protocol-constants';
export * from './clock';
export * from './ids';
export * from './jwk';
export * from './key-files';
export * from './jws-header';
export * from './agent-keys';
export * from './enrollment';
export * from './lease-token';
export * from './sealed-password';
export * from './write-start';
export * from './job';
export * from './verify-job';
export * from './result';
export * from './dn-scope';
