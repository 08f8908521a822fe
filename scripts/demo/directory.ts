// The sample company's Active Directory: a throwaway Samba AD DC (the one
// the tests use, on a loopback address of its own) seeded with the sample
// people, the agent's least-privileged service account, a Domain Admin, a
// fine-grained policy and a locked-out account.
import { Client } from 'ldapts';
import { readFile } from 'node:fs/promises';
import { startSambaDc, stopSambaDc, type SambaDcHandle } from '../../test/support/samba-dc';
import {
  addMember, adminClient, allowPsoRead, applyStrictPso, canBind, createGroup, createUser, delegateResetRights, lockOut, lockoutTimeOf,
  objectSidOf, passwordVersionOf, setTestDomainPolicy, type DirectoryAccess, type TestAccount,
} from '../../test/support/test-directory';
import { DEMO_NETBIOS, DEMO_REALM, SAMPLE_PEOPLE, type PersonKey } from './people';

export interface DemoAccount extends TestAccount {
  key: PersonKey;
  /** objectSid as text: the join between AD and Entra ID (Graph's onPremisesSecurityIdentifier). */
  sid: string;
}

export interface DemoDirectory extends DirectoryAccess {
  staffOu: string;
  /** The agent's service account: Reset Password and write on lockoutTime/pwdLastSet in OU=Staff only. */
  service: TestAccount;
  accounts: Record<PersonKey, DemoAccount>;
}

const STRICT_GROUP = 'Strict Password Users';

export async function startDemoDc(purpose: string, onWait?: (message: string) => void): Promise<SambaDcHandle> {
  return startSambaDc({
    realm: DEMO_REALM,
    domain: DEMO_NETBIOS,
    purpose,
    // AD keeps accepting the previous password for an hour after a reset (for NTLM; Samba also for LDAP binds).
    // In the demo the old password stops working at once, so trying it shows the reset took effect.
    extraOptions: ['old password allowed period=0'],
    // Test runs on this machine may hold every DC address for a while; they are named while the demo waits.
    waitMs: 3 * 60_000,
    ...(onWait ? { onWait } : {}),
  });
}

export { stopSambaDc as stopDemoDc };

export async function seedDemoDirectory(dc: SambaDcHandle): Promise<DemoDirectory> {
  const ca = await readFile(dc.caFile, 'utf8');
  const access: DirectoryAccess = { dc, url: `ldaps://${dc.host}:636`, ca };
  const staffOu = `OU=Staff,${dc.baseDn}`;
  const groupsOu = `OU=Groups,${dc.baseDn}`;
  const serviceOu = `OU=Service Accounts,${dc.baseDn}`;
  await setTestDomainPolicy(dc);
  const client = await adminClient(access);
  try {
    for (const ou of [staffOu, groupsOu, serviceOu]) await client.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    const strictGroup = `CN=${STRICT_GROUP},${groupsOu}`;
    await createGroup(client, strictGroup, STRICT_GROUP);

    const accounts = {} as Record<PersonKey, DemoAccount>;
    for (const p of SAMPLE_PEOPLE) {
      const account = await createUser(access, client, p.sam, staffOu, { displayName: p.displayName, givenName: p.givenName, sn: p.surname });
      accounts[p.key] = { ...account, key: p.key, sid: await objectSidOf(client, account.dn) };
      if (p.ad.domainAdmin) await addMember(client, `CN=Domain Admins,CN=Users,${dc.baseDn}`, account.dn);
      if (p.ad.strictPolicy) await addMember(client, strictGroup, account.dn);
    }
    const service = await createUser(access, client, 'svc-resetdesk', serviceOu, { displayName: 'ResetDesk writeback agent' });
    const serviceSid = await objectSidOf(client, service.dn);
    await delegateResetRights(dc, staffOu, serviceSid);
    await allowPsoRead(dc, serviceSid);
    await applyStrictPso(dc, STRICT_GROUP);

    const directory: DemoDirectory = { ...access, staffOu, service, accounts };
    for (const p of SAMPLE_PEOPLE) if (p.ad.lockedOut) await lockOut(directory, accounts[p.key].userPrincipalName);
    return directory;
  } finally {
    await client.unbind();
  }
}

/** What the DC says about one account: what the browser suite checks at the end of every journey. */
export interface AccountFacts {
  /** `lockoutTime`: 0 when not locked out. */
  lockoutTime: string;
  /** The `unicodePwd` version: grows by one with every password write. */
  passwordVersion: number;
}

export async function accountFacts(dir: DemoDirectory, key: PersonKey): Promise<AccountFacts> {
  const client: Client = await adminClient(dir);
  try {
    const dn = dir.accounts[key].dn;
    return { lockoutTime: await lockoutTimeOf(client, dn), passwordVersion: await passwordVersionOf(client, dn) };
  } finally {
    await client.unbind();
  }
}

/** True when `password` signs the person in (an LDAP bind over LDAPS): what AD really accepts. */
export function canSignIn(dir: DemoDirectory, key: PersonKey, password: string): Promise<boolean> {
  return canBind(dir, dir.accounts[key].userPrincipalName, password);
}

/** Locks the account out again, the way a person does: wrong passwords up to the threshold. */
export function lockOutAgain(dir: DemoDirectory, key: PersonKey): Promise<void> {
  return lockOut(dir, dir.accounts[key].userPrincipalName);
}
