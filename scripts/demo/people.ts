// The sample company of the local trial: who works there, what each person
// is for, and the ids that tie them together in the three places they exist
// (the Samba DC, the stand-in for Entra ID and Graph, the Agents Playground).
// One table, read by the demo and by the browser suite alike.
//
// The ids are fixed, so a person keeps their Teams chat and their Graph object
// from one run to the next, and they are real GUIDs: ResetDesk checks the
// tenant and every aadObjectId against the GUID pattern (the Playground's
// built-in ids are not GUIDs, which is why the demo writes its own config).

export type PersonKey = 'alice' | 'lars' | 'diego' | 'pat' | 'helen' | 'megan' | 'nestor' | 'mark';

export type Role = 'approver' | 'helpdesk' | 'admin';

export interface SamplePerson {
  key: PersonKey;
  givenName: string;
  surname: string;
  displayName: string;
  /** sAMAccountName in AD; also the local part of the UPN and of the Teams user id. */
  sam: string;
  /** Entra object id: Graph's `id`, the Playground's `aadObjectId`, the bot's actor. */
  aadObjectId: string;
  /** Where one-time codes by e-mail go (a Graph e-mail authentication method). */
  alternateEmail: string;
  /** A registered mobile, as Graph shows it (`+1 4255550101`); codes by text go there. */
  mobile?: string;
  manager?: PersonKey;
  roles: Role[];
  /** How the DC sees the account. */
  ad: { domainAdmin?: boolean; strictPolicy?: boolean; lockedOut?: boolean };
  /** One line for the demo's "people to try" list. */
  story: string;
}

export const DEMO_REALM = 'CONTOSO.TEST';
export const DEMO_NETBIOS = 'CONTOSO';
export const DEMO_MAIL_DOMAIN = DEMO_REALM.toLowerCase();

const guid = (group: string, n: number): string => `5eed0000-${group}-4000-8000-${n.toString(16).padStart(12, '0')}`;

export const DEMO_TENANT_ID = guid('7e4a', 1);
/** The app registration the bot uses for Graph, as the stand-in for Entra ID knows it. */
export const DEMO_GRAPH_CLIENT_ID = guid('a99a', 1);
export const DEMO_BOT = { id: `28:${guid('b07b', 1)}`, name: 'ResetDesk' } as const;
/** The mailbox that sends codes: a cloud-only service mailbox in the stand-in directory. */
export const DEMO_MAIL_FROM = `resetdesk@${DEMO_MAIL_DOMAIN}`;

export const DEMO_GROUPS: Readonly<Record<Role, { id: string; displayName: string }>> = {
  approver: { id: guid('6000', 1), displayName: 'ResetDesk Approvers' },
  helpdesk: { id: guid('6000', 2), displayName: 'IT Helpdesk' },
  admin: { id: guid('6000', 3), displayName: 'ResetDesk Admins' },
};

/** The team every Playground instance shows; its General channel has the team's id, as in Teams. */
export const DEMO_TEAM = { id: '19:it-helpdesk@thread.tacv2', name: 'IT Helpdesk', aadGroupId: guid('6000', 0xff) } as const;
/** Where approval requests for privileged accounts are posted. */
export const APPROVER_CHANNEL = { id: '19:resetdesk-approvers@thread.tacv2', name: 'Approvers' } as const;

const person = (n: number, p: Omit<SamplePerson, 'aadObjectId' | 'displayName'>): SamplePerson => ({
  ...p,
  displayName: `${p.givenName} ${p.surname}`,
  aadObjectId: guid('0000', n),
});

/** In the order the demo prints them and gives them Playground ports. */
export const SAMPLE_PEOPLE: readonly SamplePerson[] = [
  person(1, {
    key: 'alice', givenName: 'Alice', surname: 'Andersen', sam: 'alice', alternateEmail: 'alice.andersen@home.example',
    mobile: '+1 4255550101', manager: 'mark', roles: [], ad: {},
    story: 'an ordinary employee: reset, unlock, check status or change her password',
  }),
  person(2, {
    key: 'lars', givenName: 'Lars', surname: 'Lund', sam: 'lars', alternateEmail: 'lars.lund@home.example',
    mobile: '+1 4255550102', manager: 'mark', roles: [], ad: { lockedOut: true },
    story: 'locked out (too many wrong passwords): unlock his account',
  }),
  person(3, {
    key: 'diego', givenName: 'Diego', surname: 'Dahl', sam: 'diego', alternateEmail: 'diego.dahl@home.example',
    mobile: '+1 4255550103', roles: [], ad: { domainAdmin: true },
    story: 'a Domain Admin: two checks, then two approvers decide in the Approvers channel',
  }),
  person(4, {
    key: 'pat', givenName: 'Pat', surname: 'Pedersen', sam: 'pat', alternateEmail: 'pat.pedersen@home.example',
    mobile: '+1 4255550104', manager: 'mark', roles: [], ad: { strictPolicy: true },
    story: 'under the fine-grained policy "Strict PSO": new passwords need 14 characters',
  }),
  person(5, {
    key: 'helen', givenName: 'Helen', surname: 'Holm', sam: 'helen', alternateEmail: 'helen.holm@home.example',
    mobile: '+1 4255550105', manager: 'mark', roles: ['helpdesk'], ad: {},
    story: 'helpdesk: sees the Approvers channel, but may not decide',
  }),
  person(6, {
    key: 'megan', givenName: 'Megan', surname: 'Moss', sam: 'megan', alternateEmail: 'megan.moss@home.example',
    mobile: '+1 4255550106', roles: ['approver'], ad: {},
    story: 'approver: requests appear in her "IT Helpdesk - Approvers" channel',
  }),
  person(7, {
    key: 'nestor', givenName: 'Nestor', surname: 'Nilsen', sam: 'nestor', alternateEmail: 'nestor.nilsen@home.example',
    mobile: '+1 4255550107', roles: ['approver', 'admin'], ad: {},
    story: 'approver and ResetDesk admin: a Domain Admin needs him and Megan',
  }),
  person(8, {
    key: 'mark', givenName: 'Mark', surname: 'Madsen', sam: 'mark', alternateEmail: 'mark.madsen@home.example',
    mobile: '+1 4255550108', roles: [], ad: {},
    story: 'manager of Alice, Lars, Pat and Helen: confirms "Ask my manager" requests',
  }),
];

export function personOf(key: PersonKey): SamplePerson {
  const p = SAMPLE_PEOPLE.find((x) => x.key === key);
  if (!p) throw new Error(`no sample person ${key}`);
  return p;
}

export function upnOf(p: SamplePerson): string {
  return `${p.sam}@${DEMO_MAIL_DOMAIN}`;
}

export function teamsUserIdOf(p: SamplePerson): string {
  return `29:${p.sam}`;
}

/** The registered mobile in E.164 (what the SMS provider is given). */
export function e164Of(p: SamplePerson): string | undefined {
  return p.mobile?.replace(/\s+/g, '');
}

export function membersOf(role: Role): SamplePerson[] {
  return SAMPLE_PEOPLE.filter((p) => p.roles.includes(role));
}

/** Who is in the IT team whose Approvers channel shows approval requests: the approvers, the helpdesk, the admins. */
export const APPROVER_CHANNEL_MEMBERS: readonly PersonKey[] = SAMPLE_PEOPLE.filter((p) => p.roles.length > 0).map((p) => p.key);
