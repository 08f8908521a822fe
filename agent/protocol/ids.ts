import { z } from 'zod';

// Agent, job, request and lease ids all travel in headers, claims and URLs;
// one conservative alphabet keeps them safe in each of those places.
export const ProtocolIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an id is 1-128 letters, digits, ".", "_", ":" or "-"');

export const AgentIdSchema = ProtocolIdSchema;

/** An RFC 7638 SHA-256 JWK thumbprint, the id of the service signing key. */
export const KeyIdSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a key id is a SHA-256 JWK thumbprint');
