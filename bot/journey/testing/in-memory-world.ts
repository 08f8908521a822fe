// The journey's ports in memory, for specifying a use case in milliseconds:
// people (a directory in maps), writeback (agents that answer at once),
// messenger (cards it was asked to send), a clock the spec moves, and the
// real code methods sending into inboxes. The store is the real one, in
// memory (PGlite), so its rules still apply. Nothing here reaches a DC.
import { randomUUID } from 'node:crypto';
import type { InspectReport } from '../../../agent/protocol';
import type { AdaptiveCard } from '../../../cards';
import { DEFAULT_APPROVAL_CONFIG, approvalConfigSchema } from '../../domain/approval-policy';
import { passwordPolicyConfigSchema } from '../../domain/password-policy';
import { DEFAULT_USAGE_LIMITS } from '../../domain/usage-limits';
import { createEmailMethod } from '../../domain/verification/email-method';
import { createManagerMethod } from '../../domain/verification/manager-method';
import { DEFAULT_CODE_POLICY } from '../../domain/verification/one-time-code';
import { createPersonMethod } from '../../domain/verification/person-method';
import { createSmsMethod } from '../../domain/verification/sms-method';
import { DEFAULT_VERIFICATION_POLICY } from '../../domain/verification/verification-policy';
import { ResetDeskError } from '../../errors';
import type { AuthenticationMethods, DirectoryUser, FoundUser } from '../../graph/graph-directory';
import { obtainDeliverySeal } from '../../helpdesk-delivery-key';
import { createLogger } from '../../log';
import { createMetrics } from '../../metrics';
import { createTestStore, type TestStore } from '../../store/testing';
import type { Actor, JourneyDeps } from '../journey-deps';
import type { CardLocation, CardMessenger, ChannelPost, PeopleDirectory, PrepareJobInput, WritebackPort } from '../ports';
import { RequestSnapshots } from '../request-snapshots';
import { RecentInspections } from '../recent-inspections';
import { exportJWK, generateKeyPair } from 'jose';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const HELPDESK_GROUP = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
export const APPROVER_GROUP = '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
export const CHANNEL = { channelId: '19:approvers@thread.tacv2', serviceUrl: 'https://smba.example.test/teams' };

export interface Person {
  user: DirectoryUser & FoundUser;
  methods: AuthenticationMethods;
  managerId?: string;
  groups: string[];
  /** The bot has a 1:1 chat with them. */
  reachable: boolean;
}

export interface InMemoryWorld {
  deps: JourneyDeps;
  store: TestStore['store'];
  clock: { now(): Date; advance(ms: number): void };
  /** Codes and texts the service sent, newest last. */
  mails: Array<{ to: string; subject: string; text: string }>;
  texts: Array<{ to: string; text: string }>;
  /** Cards sent to people, posted to channels, and updates of cards. */
  sent: Array<{ to: string; card: AdaptiveCard }>;
  posted: Array<{ channelId: string; card: AdaptiveCard; activityId: string }>;
  updated: Array<{ at: string; card: AdaptiveCard }>;
  /** Jobs handed to the writeback port, with what they carried (the test's own fake agents). */
  jobs: PrepareJobInput[];
  /** What the agent says about an account, by SID (ordinary, in scope, unlocked by default). */
  reports: Map<string, Partial<InspectReport>>;
  agentsAlive: boolean;
  addPerson(name: string, extra?: Partial<Person>): Person;
  actor(person: Person): Actor;
  close(): Promise<void>;
}

function lastCode(text: string): string {
  return /\b(\d{6,8})\b/.exec(text)?.[1] ?? '';
}

export { lastCode };

export async function createInMemoryWorld(opts: { helpdeskDelivery?: 'verified-method' | 'reveal-once' } = {}): Promise<InMemoryWorld> {
  let now = new Date('2026-12-02T08:00:00Z');
  const clock = { now: () => now, advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
  const ts = await createTestStore('pglite', { now: clock.now });
  const people = new Map<string, Person>();
  const mails: InMemoryWorld['mails'] = [];
  const texts: InMemoryWorld['texts'] = [];
  const sent: InMemoryWorld['sent'] = [];
  const posted: InMemoryWorld['posted'] = [];
  const updated: InMemoryWorld['updated'] = [];
  const jobs: PrepareJobInput[] = [];
  const reports = new Map<string, Partial<InspectReport>>();

  const find = (id: string): Person => {
    const p = people.get(id);
    if (!p) throw new ResetDeskError('GRAPH_USER_NOT_FOUND', "That account couldn't be found in Microsoft 365.");
    return p;
  };
  const directory: PeopleDirectory = {
    getUser: async (id) => find(id).user,
    getUserByUpn: async (upn) => [...people.values()].find((p) => p.user.userPrincipalName === upn)?.user ?? find(upn).user,
    searchUsers: async (text) => [...people.values()].filter((p) => (p.user.displayName ?? '').toLowerCase().startsWith(text.toLowerCase())).map((p) => p.user),
    getManager: async (id) => {
      const m = find(id).managerId;
      return m ? { id: m, displayName: find(m).user.displayName, mail: find(m).user.mail } : null;
    },
    getAuthenticationMethods: async (id) => find(id).methods,
    isMemberOfGroup: async (id, group) => people.get(id)?.groups.includes(group) ?? false,
    sendMail: async (_from, to, subject, body) => void mails.push({ to: String(to), subject, text: body.content }),
    revokeSignInSessions: async () => undefined,
  };

  const world = { agentsAlive: true } as InMemoryWorld;
  const writeback: WritebackPort = {
    agentsAlive: async () => world.agentsAlive,
    inspect: async (target) => ({
      locked: false, disabled: false, mustChange: false, passwordExpiresAt: null, privileged: false, inScope: true,
      policy: { minLength: 8, complexity: true, historyLength: 5 }, privilegedBecause: [], privilegeGroups: [], passwordExpired: false, passwordLastSetAt: null,
      historyEnforcedOnReset: false, ...reports.get(target.sid ?? ''),
    }),
    async prepareJob(input) {
      jobs.push(input);
      // Whatever the agents would receive; these fake ones never open it.
      return { id: randomUUID(), requestId: input.requestId, kind: input.kind, signedJob: `e30.${Buffer.from(randomUUID()).toString('base64url')}.sig`, expiresAt: new Date(now.getTime() + 600_000) };
    },
  };

  let activity = 0;
  const messenger: CardMessenger = {
    async updateCard(at: CardLocation, card) {
      updated.push({ at: at.activityId, card });
    },
    async sendCardToPerson(tenantId, aadObjectId, card) {
      if (!people.get(aadObjectId)?.reachable) return null;
      sent.push({ to: aadObjectId, card });
      return { tenantId, aadObjectId, activityId: `act-${++activity}` };
    },
    async openPersonalChat() {
      return null;
    },
    async canReachPerson(_tenant, aadObjectId) {
      return people.get(aadObjectId)?.reachable ?? false;
    },
    async postToChannel(channel, card): Promise<ChannelPost> {
      const activityId = `post-${++activity}`;
      posted.push({ channelId: channel.channelId, card, activityId });
      return { channelId: channel.channelId, serviceUrl: channel.serviceUrl, activityId };
    },
    async updateChannelCard(post, card) {
      updated.push({ at: post.activityId, card });
    },
  };

  const pepper = Buffer.alloc(32, 7);
  const { privateKey } = await generateKeyPair('ECDH-ES', { crv: 'X25519', extractable: true });
  const deliverySeal = await obtainDeliverySeal({ jwkJson: JSON.stringify(await exportJWK(privateKey)) }, createLogger({ level: 'silent' }));
  const sms = { send: async (to: string, text: string) => void texts.push({ to, text }) };

  const deps: JourneyDeps = {
    store: ts.store,
    snapshots: new RequestSnapshots(),
    inspections: new RecentInspections(),
    deliverySeal,
    sms,
    people: directory,
    writeback,
    messenger,
    methods: {
      email: createEmailMethod({ mail: { sendMail: async (m) => void mails.push({ to: m.to, subject: m.subject, text: m.text }) }, pepper, policy: DEFAULT_CODE_POLICY }),
      sms: createSmsMethod({ sms, pepper, policy: DEFAULT_CODE_POLICY }),
      manager: createManagerMethod({ notifier: { notifyManager: async (n) => void sent.push({ to: n.managerAadId, card: { type: 'AdaptiveCard', version: '1.5', body: [] } }) } }),
      person: createPersonMethod({ notifier: { askOwner: async (n) => void sent.push({ to: n.ownerAadId, card: { type: 'AdaptiveCard', version: '1.5', body: [] } }) } }),
    },
    config: {
      verificationPolicy: DEFAULT_VERIFICATION_POLICY,
      passwordPolicy: passwordPolicyConfigSchema.parse({ minLength: 12 }),
      approval: approvalConfigSchema.parse({ ...DEFAULT_APPROVAL_CONFIG }),
      limits: DEFAULT_USAGE_LIMITS,
      approverGroupId: APPROVER_GROUP,
      adminGroupId: undefined,
      helpdeskGroupId: HELPDESK_GROUP,
      helpdeskDelivery: opts.helpdeskDelivery ?? 'verified-method',
      agents: { seenWithinMs: 15 * 60_000 },
      approverChannel: CHANNEL,
      afterReset: { revokeSessions: false, notifyMail: false },
      mailFrom: 'resetdesk@contoso.example',
      inspectTimeoutMs: 1_000,
      pepper,
    },
    now: clock.now,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
  };

  let sidSeq = 1000;
  return Object.assign(world, {
    deps, store: ts.store, clock, mails, texts, sent, posted, updated, jobs, reports,
    addPerson(name: string, extra: Partial<Person> = {}): Person {
      const sam = name.split(' ')[0]!.toLowerCase();
      const id = randomUUID();
      const person: Person = {
        user: {
          id, displayName: name, userPrincipalName: `${sam}@contoso.example`, mail: `${sam}@contoso.example`, accountEnabled: true,
          onPremisesSyncEnabled: true, onPremisesSecurityIdentifier: `S-1-5-21-1004336348-1177238915-682003330-${++sidSeq}`, onPremisesSamAccountName: sam,
          onPremisesDomainName: 'contoso.example', onPremisesUserPrincipalName: `${sam}@contoso.example`,
        },
        methods: { emails: [`${sam}.home@example.net`], phones: [{ type: 'mobile', e164: `+1425555${1000 + sidSeq}`, number: `+1 425555${1000 + sidSeq}` }] } as AuthenticationMethods,
        groups: [],
        reachable: true,
        ...extra,
      };
      people.set(id, person);
      return person;
    },
    actor: (person: Person): Actor => ({ aadObjectId: person.user.id, tenantId: TENANT }),
    close: () => ts.cleanup(),
  });
}
