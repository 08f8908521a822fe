// What the journey is given and what it is told: its collaborators and
// settings, who acts, where a clicked card lives, and a finished writeback job.
import type { InspectReport } from '../../agent/protocol';
import type { ApprovalConfig } from '../domain/approval-policy';
import type { PasswordPolicyConfig } from '../domain/password-policy';
import type { UsageLimits } from '../domain/usage-limits';
import type { CodeVerificationMethod } from '../domain/verification/code-method';
import type { VerificationMethod } from '../domain/verification/verification-method';
import type { VerificationMethodName } from '../domain/verification/method-name';
import type { VerificationPolicy } from '../domain/verification/verification-policy';
import type { Logger } from '../log';
import type { BotMetrics } from '../metrics';
import type { ResetRequest as StoredRequest, Store, WritebackJob } from '../store';
import type { CardMessenger, PeopleDirectory, WritebackPort } from './ports';
import type { RecentInspections } from './recent-inspections';
import type { RequestSnapshots } from './request-snapshots';
import type { DeliverySeal } from '../helpdesk-delivery-key';

export interface Actor {
  aadObjectId: string;
  tenantId: string;
}

/** Where the clicked card lives, so it can be updated in place later. */
export interface ClickOrigin {
  activityId: string | undefined;
  conversationId: string | undefined;
}

export interface JourneyConfig {
  verificationPolicy: VerificationPolicy;
  /** How often a person, and an account, may guess codes, have codes sent, start requests... */
  limits: UsageLimits;
  passwordPolicy: PasswordPolicyConfig;
  approval: ApprovalConfig;
  approverGroupId: string | undefined;
  /** Members may confirm and revoke writeback agents from their card. */
  adminGroupId: string | undefined;
  /** Members may verify a caller and unlock or reset their account. */
  helpdeskGroupId: string | undefined;
  /** Where a helpdesk reset's temporary password goes: the person's verified phone or address, or once to the helpdesk member in a dialog. */
  helpdeskDelivery: 'verified-method' | 'reveal-once';
  /** How recently an agent must have been heard from to count as active. */
  agents: { seenWithinMs: number };
  /** Where approval cards go: a Teams channel the bot is installed in. */
  approverChannel: { channelId: string; serviceUrl: string } | undefined;
  afterReset: { revokeSessions: boolean; notifyMail: boolean };
  mailFrom: string | undefined;
  inspectTimeoutMs: number;
  /** Keys the manager's answer token; the same secret that peppers codes. */
  pepper: Buffer;
}

export interface JourneyDeps {
  store: Store;
  /** Seals a helpdesk reset's temporary password to the service itself until it is delivered. */
  deliverySeal: DeliverySeal;
  /** Text messages the service sends itself (a temporary password to the person's phone). */
  sms: { send(toE164: string, text: string): Promise<unknown> } | undefined;
  /** What this replica last wrote for requests in their code step (saves a read per code answer). */
  snapshots: RequestSnapshots;
  /** What agents said about accounts in the last few minutes, on this replica. */
  inspections: RecentInspections;
  people: PeopleDirectory;
  writeback: WritebackPort;
  messenger: CardMessenger;
  methods: Partial<Record<VerificationMethodName, VerificationMethod | CodeVerificationMethod>>;
  config: JourneyConfig;
  now: () => Date;
  logger: Logger;
  metrics: BotMetrics;
}

export interface JobFinished {
  job: WritebackJob;
  outcome: 'succeeded' | 'failed' | 'expired';
  code: string;
  message: string;
  inspect?: InspectReport;
  /** The request as the delivery read it with its claim, if it did; version-guarded writes refuse a stale one. */
  request?: StoredRequest | null;
}
