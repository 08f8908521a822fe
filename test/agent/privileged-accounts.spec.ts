// Privileged accounts are recognised fail-closed: whatever the DC fails to
// answer, a Domain Admin is never changed without approval, a failure is
// never remembered as an answer, and the approver reads why an account is
// privileged. The faults come from a proxy in front of the real DC.
import { Attribute, Change, EqualityFilter, type Client } from 'ldapts';
import { createDirectory, type Directory } from '../../agent/directory';
import type { AgentConfig } from '../../agent/config';
import { ATTID_UNICODE_PWD, parseReplPropertyMetaData } from '../../agent/directory/repl-metadata';
import { addMember, canBind, newPassword, type TestAccount, type TestDirectory } from '../support/test-directory';
import { agentConfigFor, capturingLogger, useAgentDirectory } from './agent-test-config';
import { startLdapFaultProxy, type FaultAction, type LdapFaultProxy, type SeenSearch } from './ldap-fault-proxy';

const world = useAgentDirectory();
let dir: TestDirectory;
let admin: Client;
let proxy: LdapFaultProxy;
const opened: Directory[] = [];

beforeAll(async () => {
  ({ dir, admin } = world);
  proxy = await startLdapFaultProxy(dir);
});
afterEach(() => proxy.fault(undefined));
afterAll(async () => {
  for (const d of opened) await d.close();
  await proxy?.close();
});

/** The agent's directory, talking to the DC through the fault proxy. */
function agentBehindProxy(overrides: Partial<AgentConfig> = {}): Directory {
  const directory = createDirectory(
    agentConfigFor(dir, dir.service, { dcUrls: [proxy.url], ca: proxy.ca, tlsServername: proxy.servername, ...overrides }),
    { logger: capturingLogger().logger },
  );
  opened.push(directory);
  return directory;
}

const groupSearch = (s: SeenSearch): boolean => /objectclass=group/i.test(s.filter);
const membershipRead = (s: SeenSearch): boolean => s.attributes.includes('tokengroups');
const when = (matches: (s: SeenSearch) => boolean, action: FaultAction) => (s: SeenSearch): FaultAction => (matches(s) ? action : 'pass');

async function passwordVersion(account: TestAccount): Promise<number> {
  // Read as the domain administrator, independent of the agent under test.
  const { searchEntries } = await admin.search(dir.dc.baseDn, {
    filter: new EqualityFilter({ attribute: 'sAMAccountName', value: account.sAMAccountName }),
    attributes: ['replPropertyMetaData'],
    explicitBufferAttributes: ['replPropertyMetaData'],
  });
  return parseReplPropertyMetaData(searchEntries[0]!.replPropertyMetaData as Buffer).find((m) => m.attid === ATTID_UNICODE_PWD)!.version;
}

/** Tries every unapproved write on the account; each must be refused with `code` and leave the password as it was. */
async function expectNothingChanges(agent: Directory, account: TestAccount, code: string): Promise<void> {
  const before = await passwordVersion(account);
  await expect(agent.reset(account.sAMAccountName, newPassword())).rejects.toMatchObject({ code });
  await expect(agent.change(account.sAMAccountName, account.password, newPassword())).rejects.toMatchObject({ code });
  await expect(agent.unlock(account.sAMAccountName)).rejects.toMatchObject({ code });
  expect(await passwordVersion(account)).toBe(before);
  expect(await canBind(dir, account.userPrincipalName, account.password)).toBe(true);
}

describe('privileged accounts are detected fail-closed', () => {
  test.each([
    ['answers every group search with an LDAP error', { resultCode: 51 } as FaultAction],
    ['cuts the connection on a group search', 'cut' as FaultAction],
  ])('a Domain Admins member, direct (erin) or nested (frank), is never treated as ordinary when the DC %s', async (_how, action) => {
    const agent = agentBehindProxy();
    proxy.fault(when(groupSearch, action));
    for (const account of [dir.users.erin, dir.users.frank]) {
      await expectNothingChanges(agent, account, 'AGENT_PROTECTED_ACCOUNT');
      const found = await agent.privilege(account.sAMAccountName).catch((e: unknown) => e);
      // Naming the path needs group searches; without them the answer is still never "ordinary".
      expect(found).toMatchObject(found instanceof Error ? { code: 'AGENT_PRIVILEGE_UNDETERMINED' } : { privileged: true });
    }
  });

  test.each([
    ['an LDAP error', { resultCode: 1 } as FaultAction, 'AGENT_DIRECTORY_ERROR'],
    ['a dropped connection', 'cut' as FaultAction, 'AGENT_DIRECTORY_UNAVAILABLE'],
  ])('when a configured protected group cannot be looked up (%s), nothing is changed for anyone, and the failure is not remembered', async (_how, action, cause) => {
    // pat is in "Strict Password Users" only; configured as protected, that makes pat privileged.
    const agent = agentBehindProxy({ protectedGroups: ['Strict Password Users'] });
    const ordinary = await world.freshUser('fc');
    proxy.fault(when(groupSearch, action));
    for (const account of [ordinary, dir.users.pat, dir.users.erin]) {
      const before = await passwordVersion(account);
      await expect(agent.reset(account.sAMAccountName, newPassword())).rejects.toMatchObject({
        code: 'AGENT_PRIVILEGE_UNDETERMINED',
        details: { step: 'protected-groups', cause },
      });
      expect(await passwordVersion(account)).toBe(before);
    }
    await expect(agent.inspect(dir.users.pat.sAMAccountName)).rejects.toMatchObject({ code: 'AGENT_PRIVILEGE_UNDETERMINED' });
    expect(proxy.faulted.length).toBeGreaterThan(0);

    proxy.fault(undefined);
    await expectNothingChanges(agent, dir.users.pat, 'AGENT_PROTECTED_ACCOUNT');
    await expectNothingChanges(agent, dir.users.erin, 'AGENT_PROTECTED_ACCOUNT');
    expect(await agent.inspect(dir.users.pat.sAMAccountName)).toMatchObject({ privileged: true, privilegedBecause: ['member of Strict Password Users'] });
    const password = newPassword();
    await agent.reset(ordinary.sAMAccountName, password);
    expect(await canBind(dir, ordinary.userPrincipalName, password)).toBe(true);
  });

  test('when the read of an account\'s memberships fails, the operation fails, and the next one judges the account again', async () => {
    const agent = agentBehindProxy();
    proxy.fault(when(membershipRead, 'cut'));
    const before = await passwordVersion(dir.users.erin);
    await expect(agent.reset(dir.users.erin.sAMAccountName, newPassword())).rejects.toMatchObject({ code: 'AGENT_DIRECTORY_UNAVAILABLE' });
    await expect(agent.inspect(dir.users.erin.sAMAccountName)).rejects.toMatchObject({ code: 'AGENT_DIRECTORY_UNAVAILABLE' });
    expect(await passwordVersion(dir.users.erin)).toBe(before);
    proxy.fault(undefined);
    await expectNothingChanges(agent, dir.users.erin, 'AGENT_PROTECTED_ACCOUNT');
  });

  test('an account whose memberships the service account cannot read is never treated as ordinary', async () => {
    // The DC answers, but without tokenGroups: as AD does when the account may not read them.
    const agent = agentBehindProxy();
    proxy.fault(when(membershipRead, { withoutAttributes: ['tokenGroups'] }));
    const ordinary = await world.freshUser('tg');
    await expectNothingChanges(agent, ordinary, 'AGENT_PRIVILEGE_UNDETERMINED');
  });

  test('a configured protected group that does not exist is an error, not an empty group', async () => {
    const agent = agentBehindProxy({ protectedGroups: ['Tier0 Operators', 'Tier9 Operators'] });
    expect(await agent.protectedGroups()).toMatchObject({ groups: [{ label: 'Tier0 Operators' }], missing: ['Tier9 Operators'] });
    const ordinary = await world.freshUser('mg');
    await expectNothingChanges(agent, ordinary, 'AGENT_PROTECTED_GROUP_MISSING');
  });

  test('built-in groups listed by name, by DN or by SID in the configuration are recognised as built in', async () => {
    const agent = agentBehindProxy({
      protectedGroups: ['Domain Admins', `CN=Account Operators,CN=Builtin,${dir.dc.baseDn}`, 'S-1-5-32-551', `${dir.domainSid}-512`],
    });
    // None of them needs a lookup to protect anyone, and none is reported missing.
    expect(await agent.protectedGroups()).toMatchObject({ groups: [], missing: [] });
    await expectNothingChanges(agent, dir.users.erin, 'AGENT_PROTECTED_ACCOUNT');
  });
});

describe('what the approver reads about a privileged account', () => {
  test('inspect says why: the group, the nested path, the primary group, adminCount and the built-in accounts', async () => {
    const agent = world.agent;
    // Domain Admins is itself in Administrators, so erin is in Administrators through it.
    expect(await agent.inspect('erin')).toMatchObject({ privileged: true, privilegedBecause: ['member of Domain Admins', 'member of Administrators through Domain Admins'] });
    expect(await agent.inspect('frank')).toMatchObject({
      privileged: true,
      privilegedBecause: ['member of Domain Admins through Tier0 Operators', 'member of Administrators through Tier0 Operators'],
    });
    expect(await agent.inspect('alice')).toMatchObject({ privileged: false, privilegedBecause: [] });

    const primary = await world.freshUser('pg');
    const domainAdmins = `CN=Domain Admins,CN=Users,${dir.dc.baseDn}`;
    await addMember(admin, domainAdmins, primary.dn);
    await admin.modify(primary.dn, [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'primaryGroupID', values: ['512'] }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'adminCount', values: ['1'] }) }),
    ]);
    expect(await agent.inspect(primary.sAMAccountName)).toMatchObject({
      privileged: true,
      privilegedBecause: ['adminCount is set', 'primary group is Domain Admins', 'member of Administrators through Domain Admins'],
    });

    // Protected for who they are, by RID, whatever groups they are in.
    const administrator = await agent.inspect('Administrator');
    expect(administrator).toMatchObject({ found: true, inScope: false, privileged: true });
    if (administrator.found) expect(administrator.privilegedBecause[0]).toBe('is the built-in Administrator account');
    const krbtgt = await agent.inspect('krbtgt');
    expect(krbtgt).toMatchObject({ found: true, privileged: true });
    if (krbtgt.found) expect(krbtgt.privilegedBecause[0]).toBe('is the krbtgt account');
  });

  test('inspect tells whether the password has expired, when it was set, and that Samba does not check history on resets', async () => {
    const user = await world.freshUser('ex');
    const fresh = await world.agent.inspect(user.sAMAccountName);
    expect(fresh).toMatchObject({ historyEnforcedOnReset: false, status: { passwordExpired: false } });
    if (fresh.found) expect(Math.abs(fresh.status.passwordLastSetAt!.getTime() - Date.now())).toBeLessThan(120_000);
    await world.agent.requireChangeAtNextLogon(user.sAMAccountName);
    // AD counts "must change at next sign-in" as expired, and pwdLastSet is 0 then.
    expect(await world.agent.inspect(user.sAMAccountName)).toMatchObject({ status: { passwordExpired: true, passwordLastSetAt: null, mustChangeAtNextLogon: true } });
  });
});
