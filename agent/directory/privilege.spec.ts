import { builtinGroupOf, groupEntryKind, judgePrivilege, safeLabel, tokenGroupsOf, type ConfiguredGroup, type PrivilegeSubject } from './privilege';
import { sidToBuffer } from './ad-ids';

const DOMAIN = 'S-1-5-21-1004336348-1177238915-682003330';
const ROOT = 'S-1-5-21-2222222222-3333333333-4444444444';

function subject(rid: number, tokenGroups: string[], extra: Partial<PrivilegeSubject> = {}): PrivilegeSubject {
  return { dn: `CN=u${rid},OU=Staff,DC=corp`, sid: `${DOMAIN}-${rid}`, adminCount: 0, primaryGroupId: 513, tokenGroups: [`${DOMAIN}-513`, ...tokenGroups], ...extra };
}

describe('recognising protected accounts by SID', () => {
  test('built-in groups are known by their well-known SIDs, whatever they are called in the domain', () => {
    expect(builtinGroupOf(`${DOMAIN}-512`)?.name).toBe('Domain Admins');
    expect(builtinGroupOf('S-1-5-32-544')?.name).toBe('Administrators');
    expect(builtinGroupOf('S-1-5-32-552')?.name).toBe('Replicator');
    // Enterprise Admins lives in the forest root, a domain with another SID.
    expect(builtinGroupOf(`${ROOT}-519`)?.name).toBe('Enterprise Admins');
    expect(builtinGroupOf(`${DOMAIN}-513`)).toBeUndefined();
    expect(builtinGroupOf('S-1-5-32-545')).toBeUndefined();
    expect(builtinGroupOf(`${DOMAIN}-1512`)).toBeUndefined();
  });

  test('an ordinary account is ordinary, and says so with no reasons', () => {
    expect(judgePrivilege(subject(1105, ['S-1-5-32-545']), [])).toEqual({ privileged: false, reasons: [], because: [], facts: [] });
  });

  test('a member of a child domain is protected by the forest root\'s Enterprise Admins', () => {
    expect(judgePrivilege(subject(1105, [`${ROOT}-519`]), []).because).toEqual(['member of Enterprise Admins']);
  });

  test('the built-in Administrator and krbtgt are protected for who they are', () => {
    expect(judgePrivilege(subject(500, []), []).because).toEqual(['is the built-in Administrator account']);
    expect(judgePrivilege(subject(502, []), []).because).toEqual(['is the krbtgt account']);
  });

  test('adminCount, the primary group and configured groups are each a reason', () => {
    const tier0: ConfiguredGroup = { entry: 'Tier0 Operators', label: 'Tier0 Operators', sid: `${DOMAIN}-1112`, dn: 'CN=Tier0 Operators,OU=Groups,DC=corp' };
    const finding = judgePrivilege(subject(1105, [`${DOMAIN}-512`, `${DOMAIN}-1112`], { adminCount: 1, primaryGroupId: 512 }), [tier0]);
    expect(finding.because).toEqual(['adminCount is set', 'primary group is Domain Admins', 'member of Tier0 Operators']);
    expect(finding.reasons).toEqual(['adminCount', 'Domain Admins', 'Tier0 Operators']);
  });

  test('reasons are bounded in number, so a card never overflows', () => {
    const many = ['S-1-5-32-544', 'S-1-5-32-548', 'S-1-5-32-549', 'S-1-5-32-550', 'S-1-5-32-551', 'S-1-5-32-552', `${DOMAIN}-512`, `${DOMAIN}-516`, `${DOMAIN}-521`];
    const finding = judgePrivilege(subject(1105, many, { adminCount: 1 }), []);
    expect(finding.privileged).toBe(true);
    expect(finding.because).toHaveLength(8);
  });
});

describe('reading an account\'s memberships', () => {
  const user = { sid: `${DOMAIN}-1105`, primaryGroupId: 513 };

  test('tokenGroups are read as SIDs', () => {
    expect(tokenGroupsOf([sidToBuffer(`${DOMAIN}-513`), sidToBuffer('S-1-5-32-544')], user)).toEqual([`${DOMAIN}-513`, 'S-1-5-32-544']);
  });

  test.each([
    ['missing (the account may not read them)', undefined],
    ['empty', []],
    ['without the primary group', [sidToBuffer('S-1-5-32-545')]],
    ['not binary', ['S-1-5-32-544']],
    ['truncated', [Buffer.from([1, 5, 0, 0])]],
  ])('tokenGroups %s leave privilege undetermined, never "ordinary"', (_label, raw) => {
    expect(() => tokenGroupsOf(raw, user)).toThrow(expect.objectContaining({ code: 'AGENT_PRIVILEGE_UNDETERMINED' }));
  });
});

describe('the protectedGroups setting', () => {
  test('an entry is a SID, a DN or a group name', () => {
    expect(groupEntryKind(`${DOMAIN}-1112`)).toBe('sid');
    expect(groupEntryKind('CN=Tier0 Operators,OU=Groups,DC=corp')).toBe('dn');
    expect(groupEntryKind('Tier0 Operators')).toBe('name');
  });

  test('names read from the directory are one bounded line', () => {
    expect(safeLabel('Tier0\nOperators\u0007')).toBe('Tier0 Operators');
    expect(safeLabel('x'.repeat(100))).toHaveLength(64);
  });
});
