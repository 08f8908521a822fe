import { dictionary } from '@zxcvbn-ts/language-common';

// The zxcvbn-ts project maintains this list (about 49,000 passwords from
// breach corpora, ranked by frequency, all lower case). Loaded on first use:
// decompressing it takes a few tens of milliseconds we need not pay at start.
let common: ReadonlySet<string> | undefined;

export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common']);
  return common.has(password.toLowerCase());
}
