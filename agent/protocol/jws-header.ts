import { decodeProtectedHeader } from 'jose';
import { SIGNING_ALG } from './protocol-constants';

const ALLOWED_HEADER = new Set(['alg', 'typ', 'kid']);

export type HeaderRefusal = 'malformed' | 'unexpected header' | 'algorithm' | 'type';

/**
 * Reads the protected header of a compact JWS and holds it to exactly what
 * our tokens carry: alg EdDSA, the expected typ, a kid. A `jwk`, `jku` or
 * `x5c` naming some other key is refused outright rather than merely
 * ignored. Returns the kid, or why the header was refused.
 */
export function readStrictHeader(jws: string, typ: string): { kid: unknown } | { refused: HeaderRefusal } {
  let header;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return { refused: 'malformed' };
  }
  if (Object.keys(header).some((k) => !ALLOWED_HEADER.has(k))) return { refused: 'unexpected header' };
  if (header.alg !== SIGNING_ALG) return { refused: 'algorithm' };
  if (header.typ !== typ) return { refused: 'type' };
  return { kid: header.kid };
}

/** The JSON payload of a verified JWS, or undefined when it is not UTF-8 JSON. */
export function parseJsonPayload(payload: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return undefined;
  }
}
