import { Attribute, Change, Client } from 'ldapts';
import type { Directory } from '../../agent/directory';
import { mapLdapError } from '../../agent/directory/map-ldap-error';
import { addMember, canBind, encodePassword, newPassword, type TestAccount, type TestDirectory } from '../support/test-directory';
import { useAgentDirectory } from './agent-test-config';

const world = useAgentDirectory();
let dir: TestDirectory;
let admin: Client;
let agent: Directory;
beforeAll(() => ({ dir, admin, agent } = world));

const freshStaffUser = (): Promise<TestAccount> => world.freshUser('chg');
const bindsAs = (upn: string, password: string): Promise<boolean> => canBind(dir, upn, password);

/** The DC's own answer to a delete+add change, as the agent's mapping sees it. */
async function rawChangeError(dn: string, current: string, next: string): Promise<unknown> {
  return admin
    .modify(dn, [
      new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(current) as unknown as string] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(next) as unknown as string] }) }),
    ])
    .then(() => undefined, (err: unknown) => err);
}

test('a user who knows the current password changes it, and the new one binds', async () => {
  const user = await freshStaffUser();
  const next = newPassword();
  await agent.change(user.sAMAccountName, user.password, next);
  expect(await bindsAs(user.userPrincipalName, next)).toBe(true);
});

test('a wrong current password is reported as such', async () => {
  const user = await freshStaffUser();
  await expect(agent.change(user.sAMAccountName, 'Not-the-current-1!', newPassword())).rejects.toMatchObject({ code: 'AGENT_WRONG_CURRENT_PASSWORD' });
});

test('going back to a recent password is refused by the DC as history', async () => {
  const user = await freshStaffUser();
  const second = newPassword();
  await agent.change(user.sAMAccountName, user.password, second);
  const err = await agent.change(user.sAMAccountName, second, user.password).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'history', details: { adCode: '0000052D' } });
});

test('a password too short or too simple is refused before the DC is asked', async () => {
  const user = await freshStaffUser();
  await expect(agent.change(user.sAMAccountName, user.password, 'Ab1!')).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'too_short', details: { precheck: true } });
  await expect(agent.change(user.sAMAccountName, user.password, 'onlylowercase')).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'complexity' });
  await expect(agent.change(user.sAMAccountName, user.password, `X-${user.sAMAccountName}-9`)).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'complexity' });
  expect(await bindsAs(user.userPrincipalName, user.password)).toBe(true);
});

test('under the strict fine-grained policy a password changed today is too young to change again', async () => {
  const user = await freshStaffUser();
  await addMember(admin, `CN=Strict Password Users,${dir.groupsOu}`, user.dn);
  const longer = `${newPassword()}-Long`;
  await expect(agent.change(user.sAMAccountName, user.password, longer)).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'too_young' });
  // The DC's own answer maps to the same reason.
  expect(mapLdapError(await rawChangeError(user.dn, user.password, longer), 'change')).toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'too_young' });
});

test('the DC\'s complexity and length refusals map to their reasons', async () => {
  const user = await freshStaffUser();
  expect(mapLdapError(await rawChangeError(user.dn, user.password, 'short1A'), 'change')).toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'too_short' });
  expect(mapLdapError(await rawChangeError(user.dn, user.password, 'lowercaseonlyletters'), 'change')).toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'complexity' });
  expect(mapLdapError(await rawChangeError(user.dn, 'Wrong-current-1', newPassword()), 'change')).toMatchObject({ code: 'AGENT_WRONG_CURRENT_PASSWORD' });
});

test('a locked-out account is reported as locked, both when changing its password and when it signs in', async () => {
  const user = await freshStaffUser();
  for (let i = 0; i < 5; i++) await bindsAs(user.userPrincipalName, `Wrong-${i}-pass!`);
  await expect(agent.change(user.sAMAccountName, user.password, newPassword())).rejects.toMatchObject({ code: 'AGENT_ACCOUNT_LOCKED' });
  const bindErr = await new Client({ url: dir.url, tlsOptions: { ca: [dir.ca], servername: dir.dc.servername } })
    .bind(user.userPrincipalName, user.password)
    .then(() => undefined, (e: unknown) => e);
  expect(mapLdapError(bindErr, 'bind')).toMatchObject({ code: 'AGENT_ACCOUNT_LOCKED' });
});
