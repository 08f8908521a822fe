// Binary <-> text forms of the identifiers AD hands out. objectSid and
// objectGUID are compared as bytes in filters, so both directions are needed.
export function sidToString(buf: Buffer): string {
  if (buf.length < 8) throw new Error('SID too short');
  const revision = buf[0]!;
  const subCount = buf[1]!;
  if (buf.length < 8 + 4 * subCount) throw new Error('SID truncated');
  const authority = buf.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < subCount; i++) subs.push(buf.readUInt32LE(8 + 4 * i));
  return `S-${revision}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

export const SID_PATTERN = /^S-1-\d{1,13}(-\d{1,10}){1,15}$/i;

export function sidToBuffer(sid: string): Buffer {
  if (!SID_PATTERN.test(sid)) throw new Error('not a SID');
  const [, rev, auth, ...subs] = sid.toUpperCase().split('-');
  const buf = Buffer.alloc(8 + 4 * subs.length);
  buf[0] = Number(rev);
  buf[1] = subs.length;
  buf.writeUIntBE(Number(auth), 2, 6);
  subs.forEach((s, i) => {
    const n = Number(s);
    if (n > 0xffffffff) throw new Error('SID sub-authority out of range');
    buf.writeUInt32LE(n, 8 + 4 * i);
  });
  return buf;
}

export const GUID_PATTERN = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** AD stores GUIDs with the first three fields little-endian (the Windows GUID layout). */
export function guidToString(buf: Buffer): string {
  if (buf.length !== 16) throw new Error('GUID must be 16 bytes');
  const h = (b: Buffer): string => b.toString('hex');
  const le = (start: number, len: number): string => h(Buffer.from(buf.subarray(start, start + len)).reverse());
  return `${le(0, 4)}-${le(4, 2)}-${le(6, 2)}-${h(buf.subarray(8, 10))}-${h(buf.subarray(10, 16))}`;
}

export function guidToBuffer(guid: string): Buffer {
  if (!GUID_PATTERN.test(guid)) throw new Error('not a GUID');
  const hex = guid.replace(/[{}-]/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8, 16),
  ]);
}
