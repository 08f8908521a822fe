import { maskEmail, maskPhone } from './mask';

describe('masked targets on the verification card', () => {
  test.each([
    ['alice@contoso.com', 'a•••@contoso.com'],
    ['a@contoso.com', 'a•••@contoso.com'],
    ['Bob.Smith+it@mail.fabrikam.co.uk', 'B•••@mail.fabrikam.co.uk'],
    ['not-an-address', '•••'],
    ['@contoso.com', '•••'],
  ])('the e-mail %s is shown as %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  test.each([
    ['+1 425 555 0142', '+1 ••• ••• ••42'],
    ['+1 4255550142', '+1 ••••••••42'],
    ['+44 7700 900142', '+44 •••• ••••42'],
    ['+1 4255550100x123', '+1 ••••••••00'],
    ['(425) 555-0142', '(•••) •••-••42'],
    ['+1 12', '+1•••'],
  ])('the phone %s is shown as %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });
});
