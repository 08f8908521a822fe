import { isStrictlyUnder, normalizeDn, parseDn, sameDn } from './dn';

describe('distinguished names', () => {
  const staff = 'OU=Staff,DC=corp,DC=example,DC=test';

  test('a user in the managed OU or below it is inside it', () => {
    expect(isStrictlyUnder('CN=alice,OU=Staff,DC=corp,DC=example,DC=test', staff)).toBe(true);
    expect(isStrictlyUnder('CN=x,OU=Team,OU=Staff,DC=corp,DC=example,DC=test', staff)).toBe(true);
  });

  test('case and spacing differences do not matter', () => {
    expect(isStrictlyUnder('cn=Alice, ou=staff, dc=CORP,dc=example,dc=test', staff)).toBe(true);
    expect(sameDn('OU=Staff , DC=corp,DC=example,DC=test', 'ou=STAFF,dc=corp,dc=example,dc=test')).toBe(true);
  });

  test('the OU itself, a sibling OU or a look-alike name is not inside it', () => {
    expect(isStrictlyUnder(staff, staff)).toBe(false);
    expect(isStrictlyUnder('CN=gina,OU=Executives,DC=corp,DC=example,DC=test', staff)).toBe(false);
    expect(isStrictlyUnder('CN=bob,OU=NotStaff,DC=corp,DC=example,DC=test', staff)).toBe(false);
    expect(isStrictlyUnder('CN=bob,OU=Staff,DC=corp,DC=example,DC=test,DC=evil', staff)).toBe(false);
  });

  test('an escaped comma cannot smuggle the OU name into a value', () => {
    expect(isStrictlyUnder('CN=x\\,OU=Staff\\,DC=corp\\,DC=example\\,DC=test,OU=Executives,DC=corp,DC=example,DC=test', staff)).toBe(false);
    expect(parseDn('CN=a\\,b,DC=x')[0]).toEqual([{ type: 'CN', value: 'a,b' }]);
  });

  test('hex escapes and multi-valued RDNs are understood', () => {
    expect(normalizeDn('CN=caf\\C3\\A9,DC=x')).toBe('cn=café,dc=x');
    expect(normalizeDn('CN=a+UID=b,DC=x')).toBe(normalizeDn('UID=b+CN=a,DC=x'));
  });

  test('malformed names are refused', () => {
    expect(() => parseDn('')).toThrow('invalid distinguished name');
    expect(() => parseDn('Staff')).toThrow('not type=value');
    expect(() => parseDn('CN="open,DC=x')).toThrow('unterminated quote');
  });
});
