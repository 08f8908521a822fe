// The writeback agent names accounts by SID (from Graph) and reads each one
// in a single search that also asks the DC about protected-group membership.
// These tests hold that read to the same answers as the step-by-step one.
import type { Client } from 'ldapts';
import type { AboutToWrite, Directory } from '../../agent/directory';
import { addMember, newPassword, sidToString, type TestAccount, type TestDirectory } from '../support/test-directory';
import { useAgentDirectory } from './agent-test-config';

const world = useAgentDirectory();
let dir: TestDirectory;
let admin: Client;
let agent: Directory;
beforeAll(() => ({ dir, admin, agent } = world));

async function freshUser(ou?: string): Promise<TestAccount & { sid: string; guid: string }> {
  const account = await world.freshUser('read', ou);
  // Found by name (a subtree search), so the SID and GUID read paths are not checked against themselves.
  const found = await agent.find({ samAccountName: account.sAMAccountName });
  return { ...account, sid: found.sid, guid: found.guid };
}

async function versionOf(account: TestAccount): Promise<number> {
  return (await agent.passwordVersion({ samAccountName: account.sAMAccountName })).version;
}

test('an account named by SID or GUID is reset, and the version read by SID matches the one read by name', async () => {
  const user = await freshUser();
  const before = await versionOf(user);
  expect((await agent.passwordVersion({ sid: user.sid })).version).toBe(before);
  expect((await agent.passwordVersion({ guid: user.guid })).version).toBe(before);
  await agent.reset({ sid: user.sid }, newPassword());
  await agent.reset({ guid: user.guid }, newPassword());
  expect(await versionOf(user)).toBe(before + 2);
});

test('direct and nested Domain Admins named by SID are refused as protected and keep their password; approved, they are reset', async () => {
  const direct = await freshUser();
  const nested = await freshUser();
  await addMember(admin, `CN=Domain Admins,CN=Users,${dir.dc.baseDn}`, direct.dn);
  await addMember(admin, `CN=Tier0 Operators,${dir.groupsOu}`, nested.dn);
  for (const u of [direct, nested]) {
    const before = await versionOf(u);
    for (const target of [{ sid: u.sid }, { guid: u.guid }]) {
      await expect(agent.reset(target, newPassword())).rejects.toMatchObject({ code: 'AGENT_PROTECTED_ACCOUNT' });
      await expect(agent.unlock(target)).rejects.toMatchObject({ code: 'AGENT_PROTECTED_ACCOUNT' });
      await expect(agent.change(target, u.password, newPassword())).rejects.toMatchObject({ code: 'AGENT_PROTECTED_ACCOUNT' });
    }
    expect(await versionOf(u)).toBe(before);
    await agent.reset({ sid: u.sid }, newPassword(), { approvedPrivileged: true });
    expect(await versionOf(u)).toBe(before + 1);
  }
  const bySid = await agent.inspect({ sid: nested.sid });
  const byName = await agent.inspect({ samAccountName: nested.sAMAccountName });
  expect(bySid).toMatchObject({ found: true, privileged: true });
  expect(bySid).toEqual(byName);
  expect(await agent.inspect({ sid: (await freshUser()).sid })).toMatchObject({ found: true, privileged: false, privilegeReasons: [], inScope: true });
});

test('an account named by SID outside the managed OUs is refused as out of scope, and an unknown SID is not found', async () => {
  const outside = await freshUser(dir.executivesOu);
  await expect(agent.reset({ sid: outside.sid }, newPassword())).rejects.toMatchObject({ code: 'AGENT_OUT_OF_SCOPE' });
  await expect(agent.unlock({ sid: outside.sid })).rejects.toMatchObject({ code: 'AGENT_OUT_OF_SCOPE' });
  expect(await agent.inspect({ sid: outside.sid })).toMatchObject({ found: true, inScope: false });
  const unknown = { sid: `${dir.domainSid}-987654` };
  await expect(agent.reset(unknown, newPassword())).rejects.toMatchObject({ code: 'AGENT_USER_NOT_FOUND' });
  await expect(agent.unlock(unknown)).rejects.toMatchObject({ code: 'AGENT_USER_NOT_FOUND' });
  await expect(agent.passwordVersion(unknown)).rejects.toMatchObject({ code: 'AGENT_USER_NOT_FOUND' });
  expect(await agent.inspect(unknown)).toEqual({ found: false });
  // A SID that is not a user (a group) is not an account to reset either.
  const group = await admin.search(`CN=Tier0 Operators,${dir.groupsOu}`, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
  await expect(agent.reset({ sid: sidToString(group.searchEntries[0]!.objectSid as Buffer) }, newPassword())).rejects.toMatchObject({ code: 'AGENT_USER_NOT_FOUND' });
});

test('the step right before the write sees the DN and current password version; when it declines nothing is written', async () => {
  const user = await freshUser();
  const before = await versionOf(user);
  const seen: AboutToWrite[] = [];
  const declined = await agent.reset({ sid: user.sid }, newPassword(), { beforeWrite: async (a) => (seen.push(a), false) });
  expect(declined.applied).toBe(false);
  expect(seen).toEqual([{ dn: user.dn, passwordVersion: before }]);
  expect(await versionOf(user)).toBe(before);

  const applied = await agent.reset({ sid: user.sid }, newPassword(), { beforeWrite: async (a) => (seen.push(a), true) });
  expect(applied.applied).toBe(true);
  expect(seen[1]).toEqual({ dn: user.dn, passwordVersion: before });
  expect(await versionOf(user)).toBe(before + 1);
  expect((await agent.unlock({ sid: user.sid }, { beforeWrite: async () => false })).applied).toBe(false);
});

test('whatever the step before the write throws reaches the caller unchanged, and nothing is written', async () => {
  const user = await freshUser();
  const before = await versionOf(user);
  const boom = new Error('journal disk full');
  await expect(agent.reset({ sid: user.sid }, newPassword(), { beforeWrite: async () => { throw boom; } })).rejects.toBe(boom);
  await expect(agent.change({ sid: user.sid }, user.password, newPassword(), { beforeWrite: async () => { throw boom; } })).rejects.toBe(boom);
  expect(await versionOf(user)).toBe(before);
  // The connection is still good afterwards.
  expect((await agent.reset({ sid: user.sid }, newPassword())).applied).toBe(true);
});

test('a password the policy refuses is refused before the step before the write is asked', async () => {
  const user = await freshUser();
  let asked = false;
  await expect(agent.reset({ sid: user.sid }, 'Sh0rt!', { beforeWrite: async () => (asked = true) })).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION' });
  expect(asked).toBe(false);
});
