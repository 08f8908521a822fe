import { Client, EqualityFilter } from 'ldapts';
import { createDirectory, type Directory } from '../../agent/directory';
import { addMember, canBind, createUser, newPassword, type TestAccount, type TestDirectory } from '../support/test-directory';
import { ATTID_UNICODE_PWD, parseReplPropertyMetaData } from '../../agent/directory/repl-metadata';
import { agentConfigFor, useAgentDirectory } from './agent-test-config';

const world = useAgentDirectory();
let dir: TestDirectory;
let admin: Client;
let agent: Directory;
beforeAll(() => ({ dir, admin, agent } = world));

const freshStaffUser = (extra: Record<string, string> = {}): Promise<TestAccount> => world.freshUser('ops', undefined, extra);

describe('finding an account', () => {
  test('the same user is found by SID, GUID, user principal name and sAMAccountName', async () => {
    const bySam = await agent.find('alice');
    expect(bySam.dn).toBe(dir.users.alice.dn);
    expect(bySam.sid).toMatch(new RegExp(`^${dir.domainSid}-\\d+$`));
    for (const t of [bySam.sid, bySam.guid, `{${bySam.guid.toUpperCase()}}`, dir.users.alice.userPrincipalName, { sid: bySam.sid }, { guid: bySam.guid }, { upn: dir.users.alice.userPrincipalName }, { samAccountName: 'alice' }]) {
      expect((await agent.find(t)).dn).toBe(dir.users.alice.dn);
    }
  });

  test('filter injection attempts match nothing', async () => {
    for (const attempt of ['*)(sAMAccountName=*', '*', 'al*', 'alice)(objectClass=*', '*)(|(objectClass=*', '\\2a', 'x@y)(userPrincipalName=*']) {
      await expect(agent.find(attempt)).rejects.toMatchObject({ code: 'AGENT_USER_NOT_FOUND' });
    }
  });

  test('an unknown SID or GUID is reported as not found', async () => {
    await expect(agent.find(`${dir.domainSid}-999999`)).rejects.toMatchObject({ code: 'AGENT_USER_NOT_FOUND' });
    await expect(agent.find('0bfd29b4-1d0a-4a8b-9a43-2a1d7c5e0f11')).rejects.toMatchObject({ code: 'AGENT_USER_NOT_FOUND' });
  });
});

describe('resetting a password', () => {
  test('the least-privileged account resets a user inside its OU and the new password binds', async () => {
    const user = await freshStaffUser();
    const password = newPassword();
    const result = await agent.reset(user.sAMAccountName, password);
    expect(result).toMatchObject({ dn: user.dn, dcUrl: dir.url, history: { enforced: false, reason: 'not_requested' } });
    expect(await canBind(dir, user.userPrincipalName, password)).toBe(true);
    // The previous password is not checked here: AD (and Samba) keep accepting
    // it for a grace period ("old password allowed period") after a reset.
  });

  test('a user outside the managed OUs is refused before anything is written', async () => {
    const before = await agentAdminVersion(dir.users.gina.userPrincipalName);
    await expect(agent.reset(dir.users.gina.userPrincipalName, newPassword())).rejects.toMatchObject({ code: 'AGENT_OUT_OF_SCOPE' });
    await expect(agent.unlock('gina')).rejects.toMatchObject({ code: 'AGENT_OUT_OF_SCOPE' });
    await expect(agent.requireChangeAtNextLogon('gina')).rejects.toMatchObject({ code: 'AGENT_OUT_OF_SCOPE' });
    expect(await agentAdminVersion(dir.users.gina.userPrincipalName)).toBe(before);
    expect(await canBind(dir, dir.users.gina.userPrincipalName, dir.users.gina.password)).toBe(true);
  });

  test('when the DC itself refuses the service account, the reset fails as not permitted', async () => {
    // Configured to manage OU=Executives, which was never delegated to it.
    const overreaching = createDirectory(agentConfigFor(dir, dir.service, { managedOus: [dir.staffOu, dir.executivesOu] }));
    try {
      const exec = await createUser(dir, admin, `exec${Date.now().toString(36)}`, dir.executivesOu);
      await expect(overreaching.reset(exec.sAMAccountName, newPassword())).rejects.toMatchObject({ code: 'AGENT_NOT_PERMITTED', details: { ldapCode: 50 } });
      await expect(overreaching.unlock(exec.sAMAccountName)).rejects.toMatchObject({ code: 'AGENT_NOT_PERMITTED' });
      expect(await canBind(dir, exec.userPrincipalName, exec.password)).toBe(true);
    } finally {
      await overreaching.close();
    }
  });

  test('a Domain Admins member and a nested one are refused as protected unless the job is approved', async () => {
    const direct = await freshStaffUser();
    const nested = await freshStaffUser();
    await addMember(admin, `CN=Domain Admins,CN=Users,${dir.dc.baseDn}`, direct.dn);
    await addMember(admin, `CN=Tier0 Operators,${dir.groupsOu}`, nested.dn);
    for (const u of [direct, nested]) {
      const before = await agentAdminVersion(u.userPrincipalName);
      await expect(agent.reset(u.sAMAccountName, newPassword())).rejects.toMatchObject({ code: 'AGENT_PROTECTED_ACCOUNT' });
      await expect(agent.unlock(u.sAMAccountName)).rejects.toMatchObject({ code: 'AGENT_PROTECTED_ACCOUNT' });
      expect(await agentAdminVersion(u.userPrincipalName)).toBe(before);
      const password = newPassword();
      await agent.reset(u.sAMAccountName, password, { approvedPrivileged: true });
      expect(await canBind(dir, u.userPrincipalName, password)).toBe(true);
    }
  });

  test('a reset can require a change at next logon', async () => {
    const user = await freshStaffUser();
    await agent.reset(user.userPrincipalName, newPassword(), { mustChangeAtNextLogon: true });
    expect((await agent.status(user.userPrincipalName)).mustChangeAtNextLogon).toBe(true);
  });

  test('asking for history on reset is reported as unsupported by Samba, and the reset still happens', async () => {
    const user = await freshStaffUser();
    const rootDse = await agent.rootDse();
    expect(rootDse.supportedControl).not.toContain('1.2.840.113556.1.4.2239');
    const password = newPassword();
    const result = await agent.reset(user.sAMAccountName, password, { enforceHistory: true });
    expect(result.history).toEqual({ enforced: false, reason: 'dc_does_not_support_policy_hints' });
    expect(await canBind(dir, user.userPrincipalName, password)).toBe(true);
  });

  test('a reset password that breaks the policy is refused with the reason', async () => {
    const user = await freshStaffUser({ displayName: 'Quentin Quarrel' });
    await expect(agent.reset(user.sAMAccountName, 'Sh0rt!')).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'too_short' });
    await expect(agent.reset(user.sAMAccountName, 'alllowercaseletters')).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'complexity' });
    await expect(agent.reset(user.sAMAccountName, 'Quarrel-2024-xyz')).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'complexity' });
    expect(await canBind(dir, user.userPrincipalName, user.password)).toBe(true);
  });

  test('the password version grows by one with every reset', async () => {
    const user = await freshStaffUser();
    const v0 = await agent.passwordVersion(user.sAMAccountName);
    expect(v0.version).toBeGreaterThan(0);
    await agent.reset(user.sAMAccountName, newPassword());
    const v1 = await agent.passwordVersion(user.sAMAccountName);
    expect(v1.version).toBe(v0.version + 1);
    expect(Math.abs(v1.changedAt!.getTime() - Date.now())).toBeLessThan(120_000);
    await agent.reset(user.sAMAccountName, newPassword());
    expect((await agent.passwordVersion(user.sAMAccountName)).version).toBe(v0.version + 2);
    await agent.unlock(user.sAMAccountName);
    expect((await agent.passwordVersion(user.sAMAccountName)).version).toBe(v0.version + 2);
  });
});

describe('unlocking and status', () => {
  test('a user locked out by five bad passwords is unlocked and can sign in again', async () => {
    const user = await freshStaffUser();
    for (let i = 0; i < 5; i++) expect(await canBind(dir, user.userPrincipalName, `Wrong-${i}-pass!`)).toBe(false);
    const locked = await agent.status(user.sAMAccountName);
    expect(locked.locked).toBe(true);
    expect(await canBind(dir, user.userPrincipalName, user.password)).toBe(false);
    const result = await agent.unlock(user.sAMAccountName);
    expect(result.wasLocked).toBe(true);
    expect((await agent.status(user.sAMAccountName)).locked).toBe(false);
    expect(await canBind(dir, user.userPrincipalName, user.password)).toBe(true);
  });

  test('status shows disabled accounts, pending changes and the expiry date from the effective policy', async () => {
    expect(await agent.status('dave')).toMatchObject({ disabled: true, locked: false });
    const alice = await agent.status('alice');
    expect(alice).toMatchObject({ disabled: false, locked: false, mustChangeAtNextLogon: false, passwordNeverExpires: false, passwordExpired: false });
    const days = (alice.passwordExpiresAt!.getTime() - alice.passwordLastSetAt!.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(42);
    const pat = await agent.status('pat');
    expect(Math.round((pat.passwordExpiresAt!.getTime() - pat.passwordLastSetAt!.getTime()) / 86_400_000)).toBe(30);

    const user = await freshStaffUser();
    await agent.requireChangeAtNextLogon(user.sAMAccountName);
    expect(await agent.status(user.sAMAccountName)).toMatchObject({ mustChangeAtNextLogon: true, passwordExpiresAt: null });
  });

  test('inspect reports scope, privilege, status and policy in one call', async () => {
    const erin = await agent.inspect('erin');
    expect(erin).toMatchObject({ found: true, inScope: true, privileged: true });
    if (erin.found) expect(erin.privilegeReasons).toContain('Domain Admins');
    const frank = await agent.inspect(dir.users.frank.userPrincipalName);
    expect(frank).toMatchObject({ found: true, inScope: true, privileged: true });
    const gina = await agent.inspect('gina');
    expect(gina).toMatchObject({ found: true, inScope: false, privileged: false });
    const alice = await agent.inspect('alice');
    expect(alice).toMatchObject({ found: true, inScope: true, privileged: false, status: { locked: false }, policy: { source: 'domain', minLength: 8 } });
    expect(await agent.inspect('nobody-here')).toEqual({ found: false });
  });
});

async function agentAdminVersion(upn: string): Promise<number> {
  // Read with the admin account, independent of the agent under test.
  const { searchEntries } = await admin.search(dir.dc.baseDn, {
    filter: new EqualityFilter({ attribute: 'userPrincipalName', value: upn }), attributes: ['replPropertyMetaData'], explicitBufferAttributes: ['replPropertyMetaData'],
  });
  return parseReplPropertyMetaData(searchEntries[0]!.replPropertyMetaData as Buffer).find((m) => m.attid === ATTID_UNICODE_PWD)!.version;
}
