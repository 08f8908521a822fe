// The storage layer's vocabulary. Rows come back as plain objects with Dates
// and parsed JSON whichever engine (PGlite or PostgreSQL) is underneath.

// Kinds, states and methods are the domain's; the store only persists them.
import { REQUEST_KINDS, REQUEST_STATES, type RequestKind, type RequestState } from '../domain/reset-request';
import { VERIFICATION_METHOD_NAMES, type VerificationMethodName } from '../domain/verification/method-name';
import { CARD_STEPS, type CardStep } from '../domain/card-steps';
import type { LimitedAction, LimitScope } from '../domain/usage-limits';
import type { AgentActivity, AuditSearch, OutcomeCounts, OutcomeCountsQuery, RequestQuery } from './reports';

export { REQUEST_KINDS, REQUEST_STATES, CARD_STEPS, type RequestKind, type RequestState, type CardStep };
export type { AgentActivity, AuditSearch, DayCounts, OutcomeCounts, OutcomeCountsQuery, RequestQuery } from './reports';
export const VERIFICATION_METHODS = VERIFICATION_METHOD_NAMES;
export type VerificationMethod = VerificationMethodName;

export const CHALLENGE_STATUSES = ['pending', 'passed', 'failed', 'expired'] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

export const JOB_KINDS = ['reset', 'unlock', 'change', 'inspect'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATES = ['queued', 'leased', 'succeeded', 'failed', 'expired'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const APPROVAL_DECISIONS = ['approved', 'denied'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export const ACTOR_KINDS = ['user', 'helpdesk', 'approver', 'admin', 'agent', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who the directory user is, as Graph reports them; the agent finds them by SID. */
export interface RequestSubject {
  onPremisesSid: string;
  samAccountName: string;
  upn: string;
  displayName: string;
  domain: string;
}

/** A code and a message safe to show the user (never a secret). */
export interface SafeResult {
  code: string;
  message: string;
}

export interface ResetRequest {
  id: string;
  tenantId: string;
  ownerAadId: string;
  /** AAD id of the helpdesk member acting on the owner's behalf; null for self-service. */
  requestedBy: string | null;
  kind: RequestKind;
  state: RequestState;
  privileged: boolean;
  /** Why the agent holds the account privileged, as approvers read it. */
  privilegedBecause: string[];
  methodsRequired: number;
  methodsPassed: VerificationMethod[];
  /** Different approvers who must approve (0: none). */
  approvalsRequired: number;
  /** AAD ids of the approvers who approved so far. */
  approvedBy: string[];
  /** Where the approval card was posted, so it can be updated for everyone. */
  approvalPost: ApprovalPost | null;
  /** The helpdesk's ticket number or reason (helpdesk requests only). */
  ticket: string | null;
  /** A helpdesk reset's temporary password, sealed to the service's delivery key until it went out; null otherwise. */
  sealedDelivery: string | null;
  subject: RequestSubject | null;
  /** SHA-256 of the current one-use step token; the token itself is never stored. */
  stepTokenHash: string | null;
  /** The card the token is on, and so the only verbs it accepts; null exactly when there is no token. */
  step: CardStep | null;
  conversationId: string | null;
  cardActivityId: string | null;
  resultCode: string | null;
  resultMessage: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}

/** The channel message that carries a request's approval card. */
export interface ApprovalPost {
  channelId: string;
  serviceUrl: string;
  activityId: string;
}

export interface NewResetRequest {
  id?: string;
  tenantId: string;
  ownerAadId: string;
  requestedBy?: string | null;
  kind: RequestKind;
  state?: RequestState;
  privileged?: boolean;
  privilegedBecause?: string[];
  approvalsRequired?: number;
  ticket?: string | null;
  methodsRequired: number;
  methodsPassed?: VerificationMethod[];
  subject?: RequestSubject | null;
  /** The raw step token put on the card; only its hash is stored. */
  stepToken?: string | null;
  /** The card that token is on (required with a token). */
  step?: CardStep | null;
  conversationId?: string | null;
  cardActivityId?: string | null;
  expiresAt: Date;
}

/** Fields a transition may change; `stepToken` is hashed before it is stored (null clears it), and moves only with `step`. */
export interface RequestPatch {
  state?: RequestState;
  privileged?: boolean;
  methodsRequired?: number;
  methodsPassed?: VerificationMethod[];
  approvedBy?: string[];
  approvalPost?: ApprovalPost | null;
  sealedDelivery?: string | null;
  subject?: RequestSubject | null;
  stepToken?: string | null;
  step?: CardStep | null;
  conversationId?: string | null;
  cardActivityId?: string | null;
  resultCode?: string | null;
  resultMessage?: string | null;
  expiresAt?: Date;
}

export interface Challenge {
  id: string;
  requestId: string;
  method: VerificationMethod;
  maskedTarget: string | null;
  /** HMAC-SHA-256 of the code keyed with `codeSalt`; null for methods without a code (manager, mfa). */
  codeHash: string | null;
  codeSalt: string | null;
  attempts: number;
  maxAttempts: number;
  expiresAt: Date;
  lastSentAt: Date | null;
  sendCount: number;
  status: ChallengeStatus;
  /** Who must answer, for methods that name someone (the manager's AAD id). */
  targetRef: string | null;
  /** Length of the code, for code methods. */
  digits: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A challenge as a caller read it, for a guarded update: it changes only if it
 * is still open in this exact status with these counts.
 */
export interface ChallengeExpectation {
  status: 'pending' | 'expired';
  attempts: number;
  sendCount: number;
}

/** The mutable part of a challenge, as the domain's verification methods compute it. */
export interface ChallengeState {
  status: ChallengeStatus;
  attempts: number;
  codeHash: string | null;
  codeSalt: string | null;
  expiresAt: Date;
  sendCount: number;
  lastSentAt: Date | null;
}

export interface NewChallenge {
  id?: string;
  requestId: string;
  method: VerificationMethod;
  maskedTarget?: string | null;
  /** The hash the domain computed (salted and peppered) with its salt; the store never sees a code. */
  codeHash?: string;
  codeSalt?: string;
  targetRef?: string | null;
  digits?: number;
  maxAttempts: number;
  expiresAt: Date;
}

export interface ConversationReferenceRecord {
  tenantId: string;
  aadObjectId: string;
  /** botbuilder's ConversationReference, stored as given. */
  reference: Record<string, JsonValue>;
  updatedAt: Date;
}

export interface Approval {
  id: string;
  requestId: string;
  approverAadId: string;
  decision: ApprovalDecision;
  decidedAt: Date;
}

export interface NewApproval {
  requestId: string;
  approverAadId: string;
  decision: ApprovalDecision;
}

/**
 * An agent's token whose signature the gateway already checked against
 * `signingJwk` (the key it keeps for the agent): its id is remembered and the
 * agent's row checked in the very statement of the call it authenticates, so
 * the call costs no round trip of its own.
 */
export interface AgentTokenUse {
  agentId: string;
  jti: string;
  expiresAt: Date;
  signingJwk: PublicJwk;
}

/** A finished job claimed for delivery, and the request it belongs to as the claim read it. */
export interface DeliveryClaim {
  job: WritebackJob;
  request: ResetRequest | null;
}

export interface WritebackJob {
  id: string;
  requestId: string | null;
  kind: JobKind;
  state: JobState;
  /** The service-signed JWS (its password part is a JWE); null once the job has ended. */
  signedJob: string | null;
  createdAt: Date;
  expiresAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  attempts: number;
  result: SafeResult | null;
  finishedAt: Date | null;
  /** Account status an inspect job reported (not a secret); null for other jobs. */
  inspectReport?: Record<string, JsonValue> | null;
  /** When the service acted on the finished job; null until then (delivered after a restart if need be). */
  deliveredAt?: Date | null;
  /**
   * The account's password version an agent announced before writing this
   * job (null: no write was ever started). Fixed once set; handed to the
   * next lease so a takeover can tell whether the write happened.
   */
  writeFromVersion?: number | null;
  /** When the write was first announced, and the agent that last announced it. */
  writeStartedAt?: Date | null;
  writeStartedBy?: string | null;
}

/** An agent's "about to write, from version N" for the lease it holds. */
export interface WriteStartInput {
  jobId: string;
  agentId: string;
  /** The lease's attempt number: the write start of a lapsed and re-leased lease is refused. */
  attempt: number;
  passwordVersion: number;
  /** The lease is renewed to now + this, so the write it announces finishes inside it. */
  renewLeaseMs: number;
}

export interface NewJob {
  /** Callers usually pick the id so it can go inside the signed job. */
  id?: string;
  requestId?: string | null;
  kind: JobKind;
  signedJob: string;
  expiresAt: Date;
}

export interface JobCompletion {
  outcome: 'succeeded' | 'failed';
  result: SafeResult;
  /** What an inspect job found (account status, never a secret). */
  inspectReport?: Record<string, JsonValue>;
}

/** A public JWK: any private member (`d`, `p`, `q`, ...) is refused. */
export type PublicJwk = Record<string, JsonValue> & { kty: string };

export interface Agent {
  id: string;
  name: string;
  signingJwk: PublicJwk;
  encryptionJwk: PublicJwk;
  managedOus: string[];
  enrolledAt: Date;
  lastSeenAt: Date | null;
  revokedAt: Date | null;
  /** When an admin confirmed it (after comparing its key thumbprint); no job is sealed to it or leased by it before. */
  confirmedAt: Date | null;
  /** Who confirmed it: an admin's AAD id, `cli:<user>`, `auto-confirm` or `upgrade`. */
  confirmedBy: string | null;
  /** The agent software's version, as it last reported it. */
  version: string | null;
}

export interface NewAgent {
  id?: string;
  name: string;
  signingJwk: PublicJwk;
  encryptionJwk: PublicJwk;
  managedOus: string[];
  version?: string;
}

export interface NewEnrollmentCode {
  /** The raw code shown once to the admin; only its SHA-256 is stored. */
  code: string;
  expiresAt: Date;
  createdBy: string;
}

export interface EnrollmentCodeRecord {
  codeHash: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface AuditActor {
  kind: ActorKind;
  /** AAD object id, agent id, or a component name for `system`. */
  id?: string;
}

export interface AuditEntryInput {
  actor: AuditActor;
  action: string;
  requestId?: string | null;
  /** Only safe values: never a password, code, token or ciphertext. */
  details?: Record<string, JsonValue>;
}

export interface AuditEntry {
  seq: number;
  at: Date;
  actor: AuditActor;
  action: string;
  requestId: string | null;
  details: Record<string, JsonValue>;
  prevHash: string;
  hash: string;
}

export type AuditChainReport =
  | { ok: true; entries: number }
  | { ok: false; entries: number; brokenAtSeq: number; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'head_mismatch' };

export interface AuditQuery {
  requestId?: string;
  afterSeq?: number;
  limit?: number;
}

export interface TransitionOptions {
  /** Queue a writeback job in the same transaction (e.g. the move to `queued`). */
  enqueueJob?: NewJob;
  /** Record an approver's decision in the same transaction. */
  recordApproval?: NewApproval;
  /** Save a verification challenge's new state in the same transaction (see saveChallengeState). */
  saveChallenge?: { id: string; expected: ChallengeExpectation; next: ChallengeState };
}

/** One use of a limited action, counted against each subject (a person, an account) under the same rule. */
export interface UsageCheck {
  action: LimitedAction;
  subjects: Array<{ scope: LimitScope; subject: string }>;
  max: number;
  windowMs: number;
}

export type UsageVerdict = { allowed: true } | { allowed: false; scope: LimitScope; until: Date };

export type StoreEngineKind = 'pglite' | 'postgres';

export interface Store {
  readonly engine: StoreEngineKind;

  createRequest(input: NewResetRequest, audit: AuditEntryInput): Promise<ResetRequest>;
  getRequest(id: string): Promise<ResetRequest | null>;
  listRequestsByOwner(tenantId: string, ownerAadId: string, opts?: { openOnly?: boolean }): Promise<ResetRequest[]>;
  /** Requests waiting on a person (to verify, approve or type a password) past their deadline, oldest first, at most `limit`. */
  listOverdueRequests(limit: number): Promise<ResetRequest[]>;
  /**
   * Applies `patch` only if the row is still at `expectedVersion`, and appends
   * `audit` in the same transaction. Throws ResetDeskError STORE_NOT_FOUND or
   * STORE_VERSION_CONFLICT (and changes nothing) otherwise.
   */
  transitionRequest(id: string, expectedVersion: number, patch: RequestPatch, audit: AuditEntryInput, opts?: TransitionOptions): Promise<ResetRequest>;

  /**
   * transitionRequest for a caller that holds `current` as it read it: the
   * version checked is `current.version`, and the result is `current` with the
   * patch applied instead of a row read back. Same errors, same guarantees.
   */
  transitionFrom(current: ResetRequest, patch: RequestPatch, audit: AuditEntryInput | readonly AuditEntryInput[], opts?: TransitionOptions): Promise<ResetRequest>;
  /** A request and its challenges (oldest first) in one read; null if there is no such request. */
  getRequestWithChallenges(id: string): Promise<{ request: ResetRequest; challenges: Challenge[] } | null>;

  createChallenge(input: NewChallenge): Promise<Challenge>;
  getChallenge(id: string): Promise<Challenge | null>;
  listChallenges(requestId: string): Promise<Challenge[]>;
  setChallengeStatus(id: string, status: Exclude<ChallengeStatus, 'pending'>): Promise<Challenge>;
  /**
   * Saves a challenge's new state only if its status, attempts and send count
   * are still what the caller read, so two parallel answers cannot both use
   * the same try. Throws STORE_VERSION_CONFLICT otherwise, changing nothing.
   */
  saveChallengeState(id: string, expected: ChallengeExpectation, next: ChallengeState): Promise<Challenge>;

  saveConversationReference(tenantId: string, aadObjectId: string, reference: Record<string, JsonValue>): Promise<void>;
  getConversationReference(tenantId: string, aadObjectId: string): Promise<ConversationReferenceRecord | null>;

  recordApproval(input: NewApproval, audit: AuditEntryInput): Promise<Approval>;
  listApprovals(requestId: string): Promise<Approval[]>;

  enqueueJob(input: NewJob, audit?: AuditEntryInput): Promise<WritebackJob>;
  getJob(id: string): Promise<WritebackJob | null>;
  listJobsForRequest(requestId: string): Promise<WritebackJob[]>;
  leaseJob(agentId: string, leaseMs: number): Promise<WritebackJob | null>;
  /**
   * With `token`, the agent's token is checked in the same statement where
   * the engine allows (PostgreSQL): the change happens only for a fresh token
   * of an enrolled, unrevoked agent with that key, else STORE_AGENT_UNKNOWN,
   * STORE_AGENT_REVOKED or STORE_AGENT_TOKEN_REPLAYED and nothing changes.
   */
  completeJob(jobId: string, agentId: string, completion: JobCompletion, audit?: AuditEntryInput, token?: AgentTokenUse): Promise<WritebackJob>;
  /**
   * Records (once) the password version the job's write starts from and
   * renews the lease; only for the agent holding the live lease of this
   * attempt (STORE_LEASE_NOT_HELD otherwise). A different version than the
   * one recorded is refused with STORE_WRITE_VERSION_CONFLICT. Audited.
   */
  /** `token` as for completeJob. */
  recordWriteStart(input: WriteStartInput, token?: AgentTokenUse): Promise<WritebackJob>;
  releaseLease(jobId: string, agentId: string): Promise<WritebackJob>;
  expireJobs(now?: Date): Promise<WritebackJob[]>;
  requeueLapsedLeases(now?: Date): Promise<WritebackJob[]>;
  /** Wake-ups for long-polls: a job id, or null meaning "notifications may have been missed; re-check". */
  onJobQueued(listener: (jobId: string | null) => void): Promise<() => Promise<void>>;
  /** A job ended (result or expiry) on any replica: its id, or null meaning "re-check undelivered jobs". */
  onJobFinished(listener: (jobId: string | null) => void): Promise<() => Promise<void>>;
  /** Ids of finished jobs nobody has delivered yet and nobody is delivering now (claims older than claimMs are stale). */
  listUndeliveredJobs(claimMs: number, limit?: number): Promise<string[]>;
  /**
   * Claims delivery of a finished job for claimMs; returns it with its request
   * as it is now (read in the same statement; null for a job of no request),
   * or null when it is delivered or claimed by another replica.
   */
  claimJobDelivery(jobId: string, claimMs: number): Promise<DeliveryClaim | null>;
  markJobDelivered(jobId: string): Promise<void>;

  registerAgent(input: NewAgent, audit: AuditEntryInput): Promise<Agent>;
  enrollAgent(enrollmentCode: string, input: NewAgent, audit: AuditEntryInput): Promise<Agent>;
  getAgent(id: string): Promise<Agent | null>;
  listAgents(opts?: { includeRevoked?: boolean }): Promise<Agent[]>;
  /** Records that the agent was heard from (and the version it runs, when it says). */
  touchAgent(id: string, version?: string): Promise<void>;
  revokeAgent(id: string, audit: AuditEntryInput): Promise<Agent>;
  /** An admin vouches for the agent; a revoked agent cannot be confirmed (STORE_AGENT_REVOKED). Confirming twice keeps the first. */
  confirmAgent(id: string, confirmedBy: string, audit: AuditEntryInput): Promise<Agent>;

  createEnrollmentCode(input: NewEnrollmentCode, audit: AuditEntryInput): Promise<EnrollmentCodeRecord>;
  consumeEnrollmentCode(code: string): Promise<EnrollmentCodeRecord>;

  rememberTokenId(jti: string, expiresAt: Date): Promise<boolean>;
  /** rememberTokenId, and the agent's row as it is now (null if there is none), in one round trip. */
  rememberAgentTokenId(agentId: string, jti: string, expiresAt: Date): Promise<{ fresh: boolean; agent: Agent | null }>;

  /** A setting an admin changed from Teams (e.g. the approver channel); null when never set. */
  getSetting(key: string): Promise<{ value: JsonValue; updatedAt: Date; updatedBy: string } | null>;
  putSetting(key: string, value: JsonValue, updatedBy: string, audit: AuditEntryInput): Promise<void>;

  /** Counts one use when every subject is under the limit (atomically, across replicas); otherwise counts nothing and says until when. */
  consumeUsage(check: UsageCheck): Promise<UsageVerdict>;
  /** Whether consumeUsage would count the use now; counts nothing. */
  peekUsage(check: UsageCheck): Promise<UsageVerdict>;
  /** Gives back one counted use (the code was right, the message never went out). */
  refundUsage(check: Pick<UsageCheck, 'action' | 'subjects'>): Promise<void>;

  appendAudit(entry: AuditEntryInput): Promise<AuditEntry>;
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;
  verifyAuditChain(): Promise<AuditChainReport>;

  // Read-only reports for the console (reports.ts).
  /** Requests matching every given filter, newest first. */
  listRequests(query: RequestQuery): Promise<ResetRequest[]>;
  /** Audit entries matching every given filter, newest first unless asked otherwise. */
  searchAudit(search?: AuditSearch): Promise<AuditEntry[]>;
  /** Per agent, the jobs it finished since `since` and its latest failure. */
  listAgentActivity(since: Date): Promise<AgentActivity[]>;
  /** Resets, unlocks and unsuccessful requests per day, and the unsuccessful ones by reason. */
  countOutcomes(query: OutcomeCountsQuery): Promise<OutcomeCounts>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
