// Algorithms and limits both ends agree on. They are fixed, not negotiated:
// every verifier passes exactly these to jose, so an attacker cannot pick a
// weaker algorithm through a header.

// Ed25519 signatures (JWS alg "EdDSA"): deterministic, so a weak random
// source at signing time cannot leak the key as it can with ECDSA nonces;
// small keys and signatures; no curve-point or malleability pitfalls. The
// key's `crv` is checked as well, so "EdDSA" can only mean Ed25519 here.
export const SIGNING_ALG = 'EdDSA';
export const SIGNING_CURVE = 'Ed25519';

// X25519 key agreement for ECDH-ES+A256KW: jose supports it for general JWE
// with many recipients, and X25519 has no invalid-curve attacks (the class of
// bug that broke several ECDH-ES implementations on P-256).
export const KEY_WRAP_ALG = 'ECDH-ES+A256KW';
export const KEY_WRAP_CURVE = 'X25519';
export const CONTENT_ENC = 'A256GCM';

export const LEASE_TOKEN_TYP = 'resetdesk-lease+jwt';
export const JOB_TYP = 'resetdesk-job+jwt';
export const SEALED_SECRET_CTY = 'resetdesk-secret';

// Servers on-premises and in the cloud drift apart by a second or two under
// NTP; five seconds absorbs that without stretching a 60-second token much.
export const CLOCK_TOLERANCE_SECONDS = 5;
export const MAX_LEASE_TOKEN_TTL_SECONDS = 60;
// A signed job outlives its queue slot (default 10 minutes) plus its lease,
// but never more than an hour, which bounds what a stolen job is worth.
export const MAX_JOB_LIFETIME_SECONDS = 3600;
// Active Directory accepts passwords up to 256 characters.
export const MAX_PASSWORD_LENGTH = 256;
export const MAX_SEAL_RECIPIENTS = 100;
export const MAX_RESULT_MESSAGE_LENGTH = 500;
// An inspect report's reasons an account is privileged, shown on approval cards.
export const MAX_PRIVILEGE_REASONS = 8;
export const MAX_PRIVILEGE_REASON_LENGTH = 160;
