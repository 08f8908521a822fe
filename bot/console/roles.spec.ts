import { CONSOLE_VIEWS, createRoleChecker, mayOpen, viewsFor } from './roles';

const GROUPS = { helpdesk: 'g-helpdesk', approvers: 'g-approvers', admins: 'g-admins' };

function directory(members: Record<string, string[]>) {
  const calls: string[] = [];
  return {
    calls,
    people: {
      isMemberOfGroup: async (person: string, group: string) => {
        calls.push(`${person}:${group}`);
        return (members[group] ?? []).includes(person);
      },
    },
  };
}

describe('console roles', () => {
  it('each role opens its own views and no other', () => {
    expect(viewsFor(['helpdesk'])).toEqual(['helpdesk', 'requests']);
    expect(viewsFor(['approver'])).toEqual(['approvals']);
    expect(viewsFor(['admin'])).toEqual(['requests', 'agents', 'audit', 'counts']);
    expect(viewsFor([])).toEqual([]);
    expect(viewsFor(['helpdesk', 'approver', 'admin'])).toEqual([...CONSOLE_VIEWS]);
    expect(mayOpen(['approver'], 'audit')).toBe(false);
  });

  it('asks Graph about every configured group, and none about a role without a group', async () => {
    const d = directory({ 'g-helpdesk': ['helen'], 'g-admins': ['helen'] });
    const checker = createRoleChecker({ people: d.people, groups: { ...GROUPS, approvers: undefined }, cacheMs: 0, now: () => new Date() });
    expect(await checker.rolesOf('helen')).toEqual(['helpdesk', 'admin']);
    expect(d.calls.sort()).toEqual(['helen:g-admins', 'helen:g-helpdesk']);
  });

  it('reuses an answer for the cache time only, so a person removed from a group loses the role within it', async () => {
    const members: Record<string, string[]> = { 'g-admins': ['nestor'] };
    const d = directory(members);
    let t = Date.parse('2030-01-01T00:00:00Z');
    const checker = createRoleChecker({ people: d.people, groups: GROUPS, cacheMs: 30_000, now: () => new Date(t) });
    expect(await checker.rolesOf('nestor')).toEqual(['admin']);
    members['g-admins'] = [];
    t += 29_000;
    expect(await checker.rolesOf('nestor')).toEqual(['admin']);
    t += 1_000;
    expect(await checker.rolesOf('nestor')).toEqual([]);
  });

  it('with no cache, asks on every call', async () => {
    const d = directory({ 'g-approvers': ['megan'] });
    const checker = createRoleChecker({ people: d.people, groups: GROUPS, cacheMs: 0, now: () => new Date() });
    await checker.rolesOf('megan');
    await checker.rolesOf('megan');
    expect(d.calls.filter((c) => c === 'megan:g-approvers')).toHaveLength(2);
  });

  it('a Graph failure is an error, never "no role" and never cached', async () => {
    let fail = true;
    const checker = createRoleChecker({
      people: { isMemberOfGroup: async () => { if (fail) throw new Error('graph down'); return true; } },
      groups: GROUPS,
      cacheMs: 30_000,
      now: () => new Date(),
    });
    await expect(checker.rolesOf('x')).rejects.toThrow('graph down');
    fail = false;
    expect(await checker.rolesOf('x')).toEqual(['helpdesk', 'approver', 'admin']);
  });
});
