import { dictionary } from '@zxcvbn-ts/language-common';

// The zxcvbn-ts project maintains this list (about 49,000 passwords from
// breach corpora, ranked by frequency, all lower case). The set is built at
// start (about 10 ms, after the 30 ms the import itself takes): built on first
// use, it held up the first new password after every start, and in a wave
// everybody queued behind it.
const common: ReadonlySet<string> = new Set(dictionary['passwords-common']);

export function isCommonPassword(password: string): boolean {
  return common.has(password.toLowerCase());
}
