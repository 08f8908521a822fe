import { ProtocolError } from './errors';

// Distinguished names as RFC 4514 writes them and Active Directory compares
// them: attribute types and values are case-insensitive, spaces around `=`,
// `,` and `+` are not significant, escapes (`\,` and `\2C`) mean the
// character itself, and a multi-valued RDN (`CN=a+UID=b`) is unordered.
// Comparing DN strings any other way lets `OU=Staff2` pass for `OU=Staff`.

export interface Ava {
  readonly type: string;
  readonly value: string;
}
export type Rdn = readonly Ava[];
export type ParsedDn = readonly Rdn[];

// AD and OpenLDAP both accept dotted OIDs in place of the short names.
const OID_NAMES: Record<string, string> = {
  '2.5.4.3': 'cn',
  '2.5.4.6': 'c',
  '2.5.4.7': 'l',
  '2.5.4.8': 'st',
  '2.5.4.10': 'o',
  '2.5.4.11': 'ou',
  '0.9.2342.19200300.100.1.1': 'uid',
  '0.9.2342.19200300.100.1.25': 'dc',
};

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const ESCAPABLE = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);
const MAX_DN_LENGTH = 4096;

function invalid(reason: string): ProtocolError {
  return new ProtocolError('PROTOCOL_DN_INVALID', `The distinguished name is not valid: ${reason}.`);
}

/** Parses a DN into normalised RDNs (types and values lower-cased, escapes resolved). Throws PROTOCOL_DN_INVALID. */
export function parseDn(dn: string): ParsedDn {
  if (typeof dn !== 'string' || dn.length > MAX_DN_LENGTH) throw invalid('too long or not text');
  const rdns: Rdn[] = [];
  let avas: Ava[] = [];
  let i = 0;
  const n = dn.length;
  const skipSpaces = (): void => {
    while (i < n && dn[i] === ' ') i++;
  };

  skipSpaces();
  if (i === n) throw invalid('it is empty');

  for (;;) {
    // attribute type
    skipSpaces();
    const typeStart = i;
    while (i < n && dn[i] !== '=' && dn[i] !== ',' && dn[i] !== '+' && dn[i] !== ';') i++;
    if (i === n || dn[i] !== '=') throw invalid('an attribute type is not followed by "="');
    const rawType = dn.slice(typeStart, i).trim().replace(/^oid\./i, '');
    if (!ATTRIBUTE_TYPE.test(rawType)) throw invalid('an attribute type is malformed');
    const type = OID_NAMES[rawType] ?? rawType.toLowerCase();
    i++; // '='

    // attribute value
    skipSpaces();
    // RFC 4514 also allows `#` followed by BER in hex; no OU or user path in AD
    // is written that way, and accepting it would give one value two spellings.
    if (dn[i] === '#') throw invalid('hex-encoded values are not supported');
    const bytes: number[] = [];
    let keep = 0; // bytes up to the last significant character; unescaped trailing spaces are dropped
    while (i < n) {
      const c = dn[i] as string;
      if (c === ',' || c === ';' || c === '+') break;
      if (c === '\\') {
        const next = dn[i + 1];
        const pair = dn.slice(i + 1, i + 3);
        if (HEX_PAIR.test(pair)) {
          bytes.push(parseInt(pair, 16));
          i += 3;
        } else if (next !== undefined && ESCAPABLE.has(next)) {
          bytes.push(next.charCodeAt(0));
          i += 2;
        } else {
          throw invalid('it has a dangling or unknown escape');
        }
        keep = bytes.length;
        continue;
      }
      if (c === '"' || c === '<' || c === '>' || c === '\0') throw invalid('it has an unescaped special character');
      const char = String.fromCodePoint(dn.codePointAt(i) as number);
      for (const b of Buffer.from(char, 'utf8')) bytes.push(b);
      i += char.length;
      if (c !== ' ') keep = bytes.length;
    }
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes.slice(0, keep)));
    } catch {
      throw invalid('an escaped value is not UTF-8');
    }
    if (decoded.length === 0) throw invalid('an attribute value is empty');
    const value = decoded.normalize('NFC').toLowerCase();
    avas.push({ type, value });

    if (i === n) {
      rdns.push(sortAvas(avas));
      break;
    }
    const sep = dn[i];
    i++;
    if (sep === '+') continue;
    rdns.push(sortAvas(avas));
    avas = [];
    skipSpaces();
    if (i === n) throw invalid('it ends with a separator');
  }
  return rdns;
}

function sortAvas(avas: Ava[]): Rdn {
  return [...avas].sort((a, b) => (a.type === b.type ? cmp(a.value, b.value) : cmp(a.type, b.type)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameRdn(a: Rdn, b: Rdn): boolean {
  return a.length === b.length && a.every((ava, k) => ava.type === b[k]?.type && ava.value === b[k]?.value);
}

/** One canonical spelling of a DN (lower case, RFC 4514 escapes), for comparing or storing DNs. */
export function normalizeDn(dn: string): string {
  return parseDn(dn)
    .map((rdn) => rdn.map((ava) => `${ava.type}=${escapeValue(ava.value)}`).join('+'))
    .join(',');
}

function escapeValue(value: string): string {
  return value
    .replace(/[\\"+,;<>=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

/**
 * True when `dn` lies strictly below one of the `ous` (the OU itself and its
 * parents are out of scope; `OU=Staff2` is not inside `OU=Staff`). A DN that
 * cannot be parsed is out of scope; an OU that cannot be parsed matches
 * nothing (configuration is validated with parseDn at start-up).
 */
export function isDnInScope(dn: string, ous: readonly string[]): boolean {
  let target: ParsedDn;
  try {
    target = parseDn(dn);
  } catch {
    return false;
  }
  return ous.some((ou) => {
    let base: ParsedDn;
    try {
      base = parseDn(ou);
    } catch {
      return false;
    }
    if (target.length <= base.length) return false;
    const offset = target.length - base.length;
    return base.every((rdn, k) => sameRdn(rdn, target[offset + k] as Rdn));
  });
}
