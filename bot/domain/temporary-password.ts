// The password a helpdesk reset sets: random from the CSPRNG, long enough for
// the account's AD policy and ours, with every character class AD's
// complexity rule counts, and without characters people misread on a phone
// (0/O, 1/l/I). The person must change it at their next sign-in.
import { randomInt } from 'node:crypto';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '#%+=!?-';
const CLASSES = [UPPER, LOWER, DIGITS, SYMBOLS] as const;

/** At least 16; two more than the longest minimum in force; never beyond what AD takes comfortably. */
export function temporaryPasswordLength(minLength: number): number {
  return Math.min(64, Math.max(16, minLength + 2));
}

export function generateTemporaryPassword(minLength: number, random: (max: number) => number = randomInt): string {
  const length = temporaryPasswordLength(minLength);
  const all = CLASSES.join('');
  // One of each class first, then the rest from all of them, then shuffled so the classes sit anywhere.
  const chars = CLASSES.map((set) => set[random(set.length)]!);
  while (chars.length < length) chars.push(all[random(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
