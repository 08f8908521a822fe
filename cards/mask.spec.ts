import { maskEmail, maskPhone } from './mask';

describe('masked verification targets', () => {
  it('shows the first letter and the domain of an e-mail address', () => {
    expect(maskEmail('alice@contoso.com')).toBe('a•••@contoso.com');
    expect(maskEmail('x@fabrikam.org')).toBe('x•••@fabrikam.org');
  });

  it('hides everything of something that is not an e-mail address', () => {
    expect(maskEmail('not-an-address')).toBe('•••');
  });

  it('shows the country code and the last two digits of a phone number', () => {
    expect(maskPhone('+1 4255550142')).toBe('+1 ••• ••• ••42');
    expect(maskPhone('+44 7700 900123')).toBe('+44 ••• ••• ••23');
  });

  it('gives the same shape whatever the number length, so the length is not revealed', () => {
    expect(maskPhone('+49 301234567890').length).toBe(maskPhone('+49 30123456').length);
  });

  it('leaves an address that is already masked as it is', () => {
    expect(maskEmail('a•••@contoso.com')).toBe('a•••@contoso.com');
    expect(maskPhone('+1 ••• ••• ••42')).toBe('+1 ••• ••• ••42');
    expect(maskPhone('+1 425 555 ••42')).toBe('+1 ••• ••• ••42');
  });

  it('drops an extension instead of showing it', () => {
    expect(maskPhone('+1 4255550142 x123')).toBe('+1 ••• ••• ••42');
  });

  it('hides every digit of a number too short to mask safely', () => {
    expect(maskPhone('12345')).toBe('••• ••• ••••');
  });
});
