// Masked forms of the addresses a code is sent to: enough for a person to
// recognise their own, too little for someone reading over a shoulder (or the
// chat history) to learn it. The full address never reaches a card.
const BULLETS = '•••';

/** `alice@contoso.com` → `a•••@contoso.com` */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return BULLETS;
  return `${address.slice(0, 1)}${BULLETS}@${address.slice(at + 1)}`;
}

/**
 * `+1 4255550142` → `+1 ••• ••• ••42`. The shape is fixed whatever the
 * number's length, so the mask does not reveal how long the number is.
 * Graph stores numbers as `+<country code> <number>`; the country code is
 * kept, an extension (`x123`) is dropped. A number that is already masked
 * comes out the same, so callers that mask on their side do no harm.
 */
export function maskPhone(phoneNumber: string): string {
  const trimmed = (phoneNumber.split(/[xX]/)[0] ?? '').trim();
  const countryCode = /^\+(\d{1,3})[\s.-]/.exec(trimmed)?.[1];
  const national = countryCode === undefined ? trimmed : trimmed.slice(countryCode.length + 1);
  const digits = national.replace(/\D/g, '');
  const alreadyMasked = national.includes('•');
  const lastTwo = digits.length >= 2 && (alreadyMasked || digits.length >= 6) ? digits.slice(-2) : '••';
  const masked = `${BULLETS} ${BULLETS} ••${lastTwo}`;
  return countryCode === undefined ? masked : `+${countryCode} ${masked}`;
}
