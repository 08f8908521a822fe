// The seeded test domain: one Samba AD DC per test run, started lazily by the
// first suite that asks for it and stopped by jest's global teardown.
//
// Layout (DN suffix DC=corp,DC=example,DC=test):
//   OU=Staff            delegated to the least-privileged service accounts
//     alice, bob, carol, dave (disabled), erin (Domain Admins),
//     frank (Domain Admins only through the nested group "Tier0 Operators"),
//     pat (under the fine-grained policy "Strict PSO", stricter than the domain)
//   OU=Executives       not delegated: outside the agent's scope (gina)
//   OU=Groups           Tier0 Operators, Strict Password Users
//   OU=Service Accounts svc-resetdesk (Reset Password + lockoutTime/pwdLastSet on
//                       OU=Staff, and read on the Password Settings Container),
//                       svc-nopso (the same rights without the PSO read)
// Domain policy: complexity on, min length 8, history 5, lockout threshold 5,
// minimum age 0 (so tests can change a fresh account; pat's PSO keeps 1 day).
import { Attribute, Change, Client } from 'ldapts';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSambaDc, sambaTool, stopSambaDc, type SambaDcHandle } from './samba-dc';
import { ATTID_UNICODE_PWD, parseReplPropertyMetaData } from '../../agent/directory/repl-metadata';

export interface TestAccount {
  dn: string;
  sAMAccountName: string;
  userPrincipalName: string;
  password: string;
}

export interface TestDirectory {
  dc: SambaDcHandle;
  url: string;
  ca: string;
  staffOu: string;
  executivesOu: string;
  groupsOu: string;
  serviceOu: string;
  domainSid: string;
  /** Service account with only the delegated rights, including read on the PSO container. */
  service: TestAccount;
  /** Same delegation on OU=Staff, without read on the Password Settings Container. */
  serviceNoPso: TestAccount;
  users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank' | 'pat' | 'gina', TestAccount>;
}

const RESET_PASSWORD_RIGHT = '00299570-246d-11d0-a768-00aa006e0529';
const USER_CLASS = 'bf967aba-0de6-11d0-a285-00aa003049e2';
const LOCKOUT_TIME_ATTR = '28630ebf-41d5-11d1-a9c1-0000f80367c1';
const PWD_LAST_SET_ATTR = 'bf967a0a-0de6-11d0-a285-00aa003049e2';

function runDir(): string {
  const dir = process.env.RESETDESK_TEST_RUN_DIR;
  if (!dir) throw new Error('RESETDESK_TEST_RUN_DIR is not set: run the tests through jest (its global setup sets it)');
  return dir;
}

export function newPassword(): string {
  return `Pw-${randomBytes(6).toString('base64url')}-9aZ!`;
}

export function encodePassword(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** What a helper needs to reach a DC: its LDAPS URL, its CA and the DC handle (name in its certificate, realm, admin). */
export type DirectoryAccess = Pick<TestDirectory, 'dc' | 'url' | 'ca'>;

export async function adminClient(dir: DirectoryAccess): Promise<Client> {
  const client = new Client({ url: dir.url, tlsOptions: { ca: [dir.ca], servername: dir.dc.servername } });
  await client.bind(dir.dc.adminUpn, dir.dc.adminPassword);
  return client;
}

/** Creates an enabled user with a known password; returns its account. */
export async function createUser(
  dir: Pick<TestDirectory, 'dc'>,
  client: Client,
  name: string,
  ou: string,
  extra: Record<string, string> = {},
): Promise<TestAccount> {
  const dn = `CN=${name},${ou}`;
  const upn = `${name}@${dir.dc.realm.toLowerCase()}`;
  const password = newPassword();
  await client.add(dn, {
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    sAMAccountName: name,
    userPrincipalName: upn,
    displayName: extra.displayName ?? name,
    ...extra,
  });
  await client.modify(dn, [
    new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(password)] }) }),
    new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['512'] }) }),
  ]);
  return { dn, sAMAccountName: name, userPrincipalName: upn, password };
}

/** True when `password` binds as the account: how a test sees what AD really accepts. */
export async function canBind(dir: DirectoryAccess, upn: string, password: string): Promise<boolean> {
  return (await bindResult(dir, upn, password)) === true;
}

/** What AD answers a bind with `password`: true, or its error (its "data" code: 773 = right password, must be changed first). */
export async function bindResult(dir: DirectoryAccess, upn: string, password: string): Promise<true | string> {
  const client = new Client({ url: dir.url, tlsOptions: { ca: [dir.ca], servername: dir.dc.servername } });
  try {
    await client.bind(upn, password);
    return true;
  } catch (err) {
    return String((err as Error).message);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Locks an account the way a user would: bad binds up to the lockout threshold (5 in the test domain). */
export async function lockOut(dir: DirectoryAccess, upn: string): Promise<void> {
  for (let i = 0; i < 6; i++) await canBind(dir, upn, `wrong-${i}-${randomBytes(4).toString('hex')}`);
}

export async function addMember(client: Client, groupDn: string, memberDn: string): Promise<void> {
  await client.modify(groupDn, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) })]);
}

/** The test domain's policy: complexity on, min length 8, history 5, lockout after 5 wrong tries, no minimum age (so a fresh account can change at once). */
export async function setTestDomainPolicy(dc: SambaDcHandle): Promise<void> {
  await sambaTool(dc, [
    'domain', 'passwordsettings', 'set', '--complexity=on', '--min-pwd-length=8', '--history-length=5',
    '--account-lockout-threshold=5', '--min-pwd-age=0', '--max-pwd-age=42',
  ]);
}

/** A global security group. */
export async function createGroup(client: Client, dn: string, sAMAccountName: string): Promise<void> {
  // groupType -2147483646: global security group.
  await client.add(dn, { objectClass: ['top', 'group'], sAMAccountName, groupType: '-2147483646' });
}

/** An object's SID as text (`S-1-5-21-…`), as Graph's onPremisesSecurityIdentifier gives it. */
export async function objectSidOf(client: Client, dn: string): Promise<string> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
  return sidToString(searchEntries[0]!.objectSid as Buffer);
}

/** What the agent's service account needs on an OU it serves: Reset Password, and write on lockoutTime and pwdLastSet, for user objects below it. */
export async function delegateResetRights(dc: SambaDcHandle, ou: string, serviceSid: string): Promise<void> {
  const sddl = [
    `(OA;CI;CR;${RESET_PASSWORD_RIGHT};${USER_CLASS};${serviceSid})`,
    `(OA;CI;WP;${LOCKOUT_TIME_ATTR};${USER_CLASS};${serviceSid})`,
    `(OA;CI;WP;${PWD_LAST_SET_ATTR};${USER_CLASS};${serviceSid})`,
  ].join('');
  await sambaTool(dc, ['dsacl', 'set', `--objectdn=${ou}`, `--sddl=${sddl}`]);
}

/** Read on the Password Settings Container, so the agent can tell which fine-grained policy applies to a user. */
export async function allowPsoRead(dc: SambaDcHandle, serviceSid: string): Promise<void> {
  await sambaTool(dc, ['dsacl', 'set', `--objectdn=CN=Password Settings Container,CN=System,${dc.baseDn}`, `--sddl=(A;CI;RPLCLORC;;;${serviceSid})`]);
}

/** The fine-grained policy "Strict PSO" (min length 14, history 10, minimum age 1 day, lockout after 3), applied to `groupName`. */
export async function applyStrictPso(dc: SambaDcHandle, groupName: string): Promise<void> {
  await sambaTool(dc, [
    'domain', 'passwordsettings', 'pso', 'create', 'Strict PSO', '10',
    '--min-pwd-length=14', '--complexity=on', '--history-length=10', '--min-pwd-age=1', '--max-pwd-age=30',
    '--account-lockout-threshold=3',
  ]);
  await sambaTool(dc, ['domain', 'passwordsettings', 'pso', 'apply', 'Strict PSO', groupName]);
}

/** How many times the account's password was written (the `unicodePwd` version in replPropertyMetaData), read as an administrator. */
export async function passwordVersionOf(client: Client, dn: string): Promise<number> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['replPropertyMetaData'], explicitBufferAttributes: ['replPropertyMetaData'] });
  const meta = parseReplPropertyMetaData(searchEntries[0]!.replPropertyMetaData as Buffer).find((m) => m.attid === ATTID_UNICODE_PWD);
  if (!meta) throw new Error(`${dn} has no unicodePwd metadata`);
  return meta.version;
}

/** The account's `lockoutTime` (0 when not locked out or unlocked), read as an administrator. */
export async function lockoutTimeOf(client: Client, dn: string): Promise<string> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['lockoutTime'] });
  return String(searchEntries[0]?.lockoutTime ?? '0');
}

async function seed(dc: SambaDcHandle): Promise<TestDirectory> {
  const base = dc.baseDn;
  const ca = await readFile(dc.caFile, 'utf8');
  const partial = {
    dc,
    url: `ldaps://${dc.host}:636`,
    ca,
    staffOu: `OU=Staff,${base}`,
    executivesOu: `OU=Executives,${base}`,
    groupsOu: `OU=Groups,${base}`,
    serviceOu: `OU=Service Accounts,${base}`,
  };
  await setTestDomainPolicy(dc);

  const client = new Client({ url: partial.url, tlsOptions: { ca: [ca], servername: dc.servername } });
  await client.bind(dc.adminUpn, dc.adminPassword);
  try {
    for (const ou of [partial.staffOu, partial.executivesOu, partial.groupsOu, partial.serviceOu]) {
      await client.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    }
    const dirForUsers = partial as TestDirectory;
    const mk = (n: string, ou: string, display: string) => createUser(dirForUsers, client, n, ou, { displayName: display, givenName: display.split(' ')[0]!, sn: display.split(' ')[1] ?? n });
    const users = {
      alice: await mk('alice', partial.staffOu, 'Alice Andersen'),
      bob: await mk('bob', partial.staffOu, 'Bob Berg'),
      carol: await mk('carol', partial.staffOu, 'Carol Christensen'),
      dave: await mk('dave', partial.staffOu, 'Dave Dahl'),
      erin: await mk('erin', partial.staffOu, 'Erin Eriksen'),
      frank: await mk('frank', partial.staffOu, 'Frank Foss'),
      pat: await mk('pat', partial.staffOu, 'Pat Pedersen'),
      gina: await mk('gina', partial.executivesOu, 'Gina Gran'),
    };
    await client.modify(users.dave.dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) })]);
    const service = await mk('svc-resetdesk', partial.serviceOu, 'ResetDesk Agent');
    const serviceNoPso = await mk('svc-nopso', partial.serviceOu, 'ResetDesk NoPSO');

    const tier0 = `CN=Tier0 Operators,${partial.groupsOu}`;
    const strictGroup = `CN=Strict Password Users,${partial.groupsOu}`;
    await createGroup(client, tier0, 'Tier0 Operators');
    await createGroup(client, strictGroup, 'Strict Password Users');
    const domainAdmins = `CN=Domain Admins,CN=Users,${base}`;
    await addMember(client, domainAdmins, users.erin.dn);
    await addMember(client, domainAdmins, tier0);
    await addMember(client, tier0, users.frank.dn);
    await addMember(client, strictGroup, users.pat.dn);

    const serviceSid = await objectSidOf(client, service.dn);
    const noPsoSid = await objectSidOf(client, serviceNoPso.dn);
    const domainSid = await objectSidOf(client, base);

    for (const sid of [serviceSid, noPsoSid]) await delegateResetRights(dc, partial.staffOu, sid);
    await allowPsoRead(dc, serviceSid);
    await applyStrictPso(dc, 'Strict Password Users');

    const dir: TestDirectory = { ...partial, domainSid, service, serviceNoPso, users };
    return dir;
  } finally {
    await client.unbind();
  }
}

export function sidToString(buf: Buffer): string {
  const revision = buf[0]!;
  const subCount = buf[1]!;
  const authority = buf.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < subCount; i++) subs.push(buf.readUInt32LE(8 + 4 * i));
  return `S-${revision}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

/** The run's DC, started and seeded on first use. */
export async function testDirectory(): Promise<TestDirectory> {
  const stateFile = join(runDir(), 'directory.json');
  const existing = await readFile(stateFile, 'utf8').catch(() => undefined);
  if (existing) return JSON.parse(existing) as TestDirectory;
  const dc = await startSambaDc();
  await mkdir(runDir(), { recursive: true });
  await writeFile(join(runDir(), 'dc.json'), JSON.stringify({ pid: dc.pid, dir: dc.dir, host: dc.host, lockDir: dc.lockDir }));
  const dir = await seed(dc);
  await writeFile(stateFile, JSON.stringify(dir), { mode: 0o600 });
  return dir;
}

/** Called by jest's global teardown. */
export async function stopTestDirectory(dirPath: string): Promise<void> {
  const raw = await readFile(join(dirPath, 'dc.json'), 'utf8').catch(() => undefined);
  if (!raw) return;
  await stopSambaDc(JSON.parse(raw) as Pick<SambaDcHandle, 'pid' | 'dir' | 'host' | 'lockDir'>);
}
