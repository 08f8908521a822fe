const DOT = '•';

/** 'alice@contoso.com' → 'a•••@contoso.com': enough to recognise one's own address, too little to learn someone else's. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return DOT.repeat(3);
  return `${email[0]}${DOT.repeat(3)}${email.slice(at)}`;
}

/**
 * '+1 425 555 0142' → '+1 ••• ••• ••42': keeps the country code (Graph
 * formats numbers as "+CC NUMBER"), the layout and the last two digits.
 * An extension ("x123") is dropped rather than shown.
 */
export function maskPhone(phone: string): string {
  const number = phone.split(/[xX]/)[0]?.trim() ?? '';
  const country = /^\+\d{1,3}(?=[\s.-])/.exec(number)?.[0] ?? '';
  const rest = number.slice(country.length);
  const digitCount = rest.replace(/\D/g, '').length;
  if (digitCount < 4) return `${country}${DOT.repeat(3)}`;
  let seen = 0;
  const masked = rest.replace(/\d/g, (d) => (++seen > digitCount - 2 ? d : DOT));
  return `${country}${masked}`;
}
