import { isProtocolError } from './errors';
import { isDnInScope, normalizeDn, parseDn } from './dn-scope';

describe('which directory objects an agent may touch (isDnInScope)', () => {
  const staff = ['OU=Staff,DC=corp,DC=example'];

  it.each([
    ['a user directly in the OU', 'CN=Ann Lee,OU=Staff,DC=corp,DC=example', staff, true],
    ['a user in a child OU', 'CN=Ann Lee,OU=Sales,OU=Staff,DC=corp,DC=example', staff, true],
    ['the same OU written in lower case with spaces', 'cn=ann lee, ou=staff, dc=corp, dc=example', staff, true],
    ['an OU configured in lower case with spaces', 'CN=Ann Lee,OU=Staff,DC=corp,DC=example', ['ou = staff ,  dc=Corp,dc=EXAMPLE'], true],
    ['spaces around the equals sign and after commas', 'CN = Ann , OU = Staff , DC = corp , DC = example', staff, true],
    ['a user in OU=Staff2, a sibling whose name starts the same', 'CN=Ann,OU=Staff2,DC=corp,DC=example', staff, false],
    ['a user in OU=MyStaff, a sibling whose name ends the same', 'CN=Ann,OU=MyStaff,DC=corp,DC=example', staff, false],
    ['the OU object itself', 'OU=Staff,DC=corp,DC=example', staff, false],
    ['the parent domain', 'DC=corp,DC=example', staff, false],
    ['a user in the parent Users container', 'CN=Administrator,CN=Users,DC=corp,DC=example', staff, false],
    ['a user in an OU of the same name in another domain', 'CN=Ann,OU=Staff,DC=other,DC=example', staff, false],
    ['a user whose CN contains the OU as text', 'CN=OU\\=Staff\\,DC\\=corp\\,DC\\=example,OU=Temp,DC=corp,DC=example', staff, false],
    ['a user whose CN has an escaped comma', 'CN=Lee\\, Ann,OU=Staff,DC=corp,DC=example', staff, true],
    ['a user whose CN has a hex-escaped comma', 'CN=Lee\\2C Ann,OU=Staff,DC=corp,DC=example', staff, true],
    ['an OU name with an escaped comma matches its hex-escaped spelling', 'CN=Ann,OU=R\\2CD,DC=corp,DC=example', ['OU=R\\,D,DC=corp,DC=example'], true],
    ['an OU name with an escaped comma is not the OU before the comma', 'CN=Ann,OU=R\\,D,DC=corp,DC=example', ['OU=R,DC=corp,DC=example'], false],
    ['an OU with a non-ASCII name in another case', 'CN=Ann,OU=ÉQUIPE,DC=corp,DC=example', ['OU=équipe,DC=corp,DC=example'], true],
    ['an OU with a UTF-8 hex-escaped name', 'CN=Ann,OU=\\C3\\A9quipe,DC=corp,DC=example', ['OU=équipe,DC=corp,DC=example'], true],
    ['an OU written with its OID', 'CN=Ann,2.5.4.11=Staff,DC=corp,DC=example', staff, true],
    ['a trailing escaped space is significant', 'CN=Ann,OU=Staff\\ ,DC=corp,DC=example', staff, false],
    ['one of several configured OUs', 'CN=Bob,OU=Contractors,DC=corp,DC=example', [...staff, 'OU=Contractors,DC=corp,DC=example'], true],
    ['no configured OU at all', 'CN=Ann,OU=Staff,DC=corp,DC=example', [], false],
    ['a malformed target DN', 'CN=Ann,,OU=Staff,DC=corp,DC=example', staff, false],
    ['an empty target DN', '', staff, false],
    ['a malformed configured OU never matches', 'CN=Ann,OU=Staff,DC=corp,DC=example', ['OU=Staff,DC=corp,DC=example,'], false],
  ])('%s', (_label, dn, ous, expected) => {
    expect(isDnInScope(dn, ous)).toBe(expected);
  });

  it('treats a multi-valued RDN as unordered', () => {
    expect(isDnInScope('CN=Ann+UID=ann,OU=Staff,DC=corp,DC=example', ['UID=ann+CN=Ann,OU=Staff,DC=corp,DC=example'])).toBe(false);
    expect(isDnInScope('CN=x,CN=Ann+UID=ann,OU=Staff,DC=corp,DC=example', ['UID=ann+CN=Ann,OU=Staff,DC=corp,DC=example'])).toBe(true);
  });
});

describe('parsing distinguished names', () => {
  it('gives one canonical spelling for the different ways an admin may write a DN', () => {
    expect(normalizeDn('OU=Staff, DC=Corp ,DC=example')).toBe('ou=staff,dc=corp,dc=example');
    expect(normalizeDn('cn=Lee\\2C Ann,ou=Staff,dc=corp')).toBe('cn=lee\\, ann,ou=staff,dc=corp');
    expect(normalizeDn('CN=\\#1\\ ,DC=x')).toBe('cn=\\#1\\ ,dc=x');
  });

  it.each([
    ['that is empty', ''],
    ['of only spaces', '   '],
    ['with no equals sign', 'Staff,DC=corp'],
    ['with an empty value', 'OU=,DC=corp'],
    ['with a trailing comma', 'OU=Staff,DC=corp,'],
    ['with a dangling escape', 'OU=Staff\\'],
    ['with an unknown escape', 'OU=Sta\\ff'],
    ['with an unescaped quote', 'OU="Staff",DC=corp'],
    ['with a malformed attribute type', 'O U=Staff'],
    ['with a hex-encoded value', 'OU=#04055374616666'],
    ['with escaped bytes that are not UTF-8', 'OU=\\C3\\28'],
  ])('refuses a DN %s', (_label, dn) => {
    let caught: unknown;
    try {
      parseDn(dn);
    } catch (err) {
      caught = err;
    }
    expect(isProtocolError(caught, 'PROTOCOL_DN_INVALID')).toBe(true);
  });
});
