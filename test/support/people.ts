// People as the tests meet them: an account in the test domain's OU=Staff and
// its Entra ID twin in the fake Graph, joined by the on-premises SID as Entra
// ID Connect joins them, with an alternate e-mail and a mobile registered.
import type { Client } from 'ldapts';
import { fakeUser, type FakeGraph, type FakeGraphUser } from './fake-graph';
import { createUser, objectSidOf, type TestAccount, type TestDirectory } from './test-directory';

/** Joins an existing AD account (e.g. a seeded Domain Admin) to a new Entra ID twin. */
export async function entraTwinOf(dir: TestDirectory, admin: Client, graph: FakeGraph, account: TestAccount, extra: Partial<FakeGraphUser> = {}): Promise<FakeGraphUser> {
  const sid = await objectSidOf(admin, account.dn);
  const user = fakeUser({
    displayName: extra.displayName ?? `${account.sAMAccountName} Person`,
    userPrincipalName: account.userPrincipalName,
    mail: `${account.sAMAccountName}@contoso.example`,
    onPremisesSecurityIdentifier: sid,
    onPremisesSamAccountName: account.sAMAccountName,
    onPremisesDomainName: dir.dc.realm.toLowerCase(),
    onPremisesUserPrincipalName: account.userPrincipalName,
    emailMethods: [`${account.sAMAccountName}.home@example.net`],
    phoneMethods: [{ number: `+1 425555${String(Math.floor(1000 + Math.random() * 8999))}`, type: 'mobile' }],
    ...extra,
  });
  graph.addUser(user);
  return user;
}

/** A new AD user in OU=Staff, its name unique in this run, with its Entra ID twin. */
export async function newPerson(dir: TestDirectory, admin: Client, graph: FakeGraph, prefix: string, extra: Partial<FakeGraphUser> = {}): Promise<{ account: TestAccount; graph: FakeGraphUser }> {
  const account = await createUser(dir, admin, `${prefix}${Date.now().toString(36).slice(-5)}${Math.floor(Math.random() * 90 + 10)}`, dir.staffOu, {
    displayName: extra.displayName ?? `${prefix} Tester`,
  });
  return { account, graph: await entraTwinOf(dir, admin, graph, account, extra) };
}
