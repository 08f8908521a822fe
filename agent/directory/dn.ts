// Just enough of RFC 4514 to compare DNs safely. The scope check must not be
// fooled by escaped separators ("CN=x\,OU=Staff,OU=Elsewhere") or by case and
// spacing differences between the configuration and what the DC returns.
export interface RdnPart {
  type: string;
  value: string;
}
export type Rdn = RdnPart[];

export class DnSyntaxError extends Error {
  constructor(problem: string) {
    super(`invalid distinguished name: ${problem}`);
    this.name = 'DnSyntaxError';
  }
}

function unescapeValue(raw: string): string {
  let out = '';
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== '\\') {
      flush();
      out += ch;
      continue;
    }
    const next = raw.slice(i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(next)) {
      bytes.push(parseInt(next, 16));
      i += 2;
    } else if (i + 1 < raw.length) {
      flush();
      out += raw[i + 1];
      i += 1;
    } else {
      throw new DnSyntaxError('trailing backslash');
    }
  }
  flush();
  return out;
}

/** Splits on an unescaped separator, outside quotes. */
function splitUnescaped(input: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\' && i + 1 < input.length) {
      current += ch + input[i + 1];
      i += 1;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (!quoted && separators.includes(ch)) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) throw new DnSyntaxError('unterminated quote');
  parts.push(current);
  return parts;
}

export function parseDn(dn: string): Rdn[] {
  if (!dn.trim()) throw new DnSyntaxError('empty');
  return splitUnescaped(dn, ',;').map((rdnText) =>
    splitUnescaped(rdnText, '+').map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new DnSyntaxError(`"${part.trim()}" is not type=value`);
      const type = part.slice(0, eq).trim();
      if (!/^[A-Za-z][A-Za-z0-9-]*$|^[0-9]+(\.[0-9]+)*$/.test(type)) throw new DnSyntaxError(`bad attribute type "${type}"`);
      let rawValue = part.slice(eq + 1).replace(/^ +/, '');
      // Trailing spaces are insignificant unless escaped.
      while (rawValue.endsWith(' ') && !rawValue.endsWith('\\ ')) rawValue = rawValue.slice(0, -1);
      const value = rawValue.startsWith('"') && rawValue.endsWith('"') && rawValue.length >= 2 ? rawValue.slice(1, -1) : unescapeValue(rawValue);
      return { type, value };
    }),
  );
}

function rdnKey(rdn: Rdn): string {
  return rdn
    .map((p) => `${p.type.toLowerCase()}=${p.value.toLowerCase()}`)
    .sort()
    .join('+');
}

/** A comparable form: types and values case-folded, escaping normalised. */
export function normalizeDn(dn: string): string {
  return parseDn(dn).map(rdnKey).join(',');
}

export function sameDn(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

/** True when `dn` lies strictly below `container` (the container itself is not inside). */
export function isStrictlyUnder(dn: string, container: string): boolean {
  const inner = parseDn(dn).map(rdnKey);
  const outer = parseDn(container).map(rdnKey);
  if (inner.length <= outer.length) return false;
  const tail = inner.slice(inner.length - outer.length);
  return tail.every((k, i) => k === outer[i]);
}
