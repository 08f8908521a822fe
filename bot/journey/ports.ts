// What the self-service journey needs from the world, as plain interfaces:
// the directory in the cloud (Graph), the writeback channel to on-premises
// AD, and a way to change cards already in a chat. Adapters implement them.
import type { InspectReport } from '../../agent/protocol';
import type { AdaptiveCard } from '../../cards';
import type { DirectoryUser, AuthenticationMethods, DirectoryManager } from '../graph/graph-directory';
import type { NewJob } from '../store';

export interface PeopleDirectory {
  getUser(aadObjectId: string): Promise<DirectoryUser>;
  getUserByUpn(upn: string): Promise<DirectoryUser>;
  getManager(aadObjectId: string): Promise<DirectoryManager | null>;
  getAuthenticationMethods(aadObjectId: string): Promise<AuthenticationMethods>;
  isMemberOfGroup(aadObjectId: string, groupId: string): Promise<boolean>;
  sendMail(fromMailbox: string, to: string | string[], subject: string, body: { contentType: 'text' | 'html'; content: string }): Promise<void>;
  revokeSignInSessions(aadObjectId: string): Promise<void>;
}

export interface JobTarget {
  sid?: string;
  upn?: string;
  sam?: string;
}

export interface PrepareJobInput {
  requestId: string;
  kind: 'reset' | 'unlock' | 'change' | 'inspect';
  target: JobTarget;
  options: { mustChangeAtNextLogon?: boolean; approvedPrivileged?: boolean; enforceHistory?: boolean };
  password?: string;
  currentPassword?: string;
}

export interface WritebackPort {
  /** An enrolled agent leased or checked in recently. */
  agentsAlive(): Promise<boolean>;
  /** Asks an agent about one account and waits for the answer. */
  inspect(target: JobTarget, opts: { timeoutMs: number }): Promise<InspectReport>;
  /** Seals any password to the agents and signs the job; the caller enqueues it with the request's transition. */
  prepareJob(input: PrepareJobInput): Promise<NewJob>;
}

/** Where a card lives in Teams, so it can be replaced later (proactively). */
export interface CardLocation {
  tenantId: string;
  /** The person whose stored conversation reference reaches the chat. */
  aadObjectId: string;
  activityId: string;
}

export interface CardMessenger {
  /** Replaces a card already in a chat (a proactive update). */
  updateCard(at: CardLocation, card: AdaptiveCard): Promise<void>;
  /** Sends a new card to a person's 1:1 chat with the bot; returns where it landed, or null if we cannot reach them. */
  sendCardToPerson(tenantId: string, aadObjectId: string, card: AdaptiveCard): Promise<CardLocation | null>;
  /** Posts a card to a Teams channel the bot is installed in. */
  postToChannel(channel: { tenantId: string; channelId: string; serviceUrl: string }, card: AdaptiveCard): Promise<void>;
  /** Whether the bot can message this person in a 1:1 chat (it knows how to reach them). */
  canReachPerson(tenantId: string, aadObjectId: string): Promise<boolean>;
}
