// Service-side signing and sealing for the writeback channel.
export * from './service-signing-key';
export * from './enrollment-code';
export * from './seal-password';
export * from './sign-job';
export * from './verify-lease-token';
