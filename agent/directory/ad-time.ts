// AD's two time encodings: FILETIME (100 ns ticks since 1601-01-01 UTC) for
// points in time, and negative tick counts for policy intervals.
const TICKS_PER_MS = 10_000n;
const EPOCH_DIFF_MS = 11_644_473_600_000n;
const NEVER = 0x7fffffffffffffffn;

/** null for 0 (never set) and for the "never" sentinel. */
export function fileTimeToDate(value: string | undefined): Date | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  const ticks = BigInt(value);
  if (ticks <= 0n || ticks >= NEVER) return null;
  return new Date(Number(ticks / TICKS_PER_MS - EPOCH_DIFF_MS));
}

export function isNeverFileTime(value: string | undefined): boolean {
  return value !== undefined && /^\d+$/.test(value) && BigInt(value) >= NEVER;
}

/** A policy interval as seconds; null for "none"/"never" (0 or the minimum int64). */
export function intervalToSeconds(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  const ticks = BigInt(value);
  if (ticks === 0n || ticks <= -0x8000000000000000n) return null;
  const abs = ticks < 0n ? -ticks : ticks;
  return Number(abs / (TICKS_PER_MS * 1000n));
}
