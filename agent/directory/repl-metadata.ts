// replPropertyMetaData (MS-DRSR 5.161 REPL_PROPERTY_META_DATA_VECTOR_BLOB):
// per attribute, a version that every originating write increments. For
// unicodePwd it counts password writes, so a re-leased job can tell whether
// its write already happened without knowing the password.
import { fileTimeToDate } from './ad-time';

export const ATTID_UNICODE_PWD = 0x9005a; // 589914

export interface AttributeMetaData {
  attid: number;
  version: number;
  originatingChangeTime: Date | null;
  originatingUsn: bigint;
  localUsn: bigint;
}

const HEADER = 16;
const ENTRY = 48;

export function parseReplPropertyMetaData(buf: Buffer): AttributeMetaData[] {
  if (buf.length < HEADER) throw new Error('replPropertyMetaData too short');
  const blobVersion = buf.readUInt32LE(0);
  if (blobVersion !== 1) throw new Error(`unsupported replPropertyMetaData version ${blobVersion}`);
  const count = buf.readUInt32LE(8);
  if (buf.length < HEADER + count * ENTRY) throw new Error('replPropertyMetaData truncated');
  const entries: AttributeMetaData[] = [];
  for (let i = 0; i < count; i++) {
    const o = HEADER + i * ENTRY;
    const changeTime = buf.readBigUInt64LE(o + 8);
    entries.push({
      attid: buf.readUInt32LE(o),
      version: buf.readUInt32LE(o + 4),
      // NTTIME here is whole seconds since 1601, not 100 ns ticks.
      originatingChangeTime: fileTimeToDate((changeTime * 10_000_000n).toString()),
      originatingUsn: buf.readBigInt64LE(o + 32),
      localUsn: buf.readBigInt64LE(o + 40),
    });
  }
  return entries;
}
