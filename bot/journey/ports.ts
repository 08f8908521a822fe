// What the self-service journey needs from the world, as plain interfaces:
// the directory in the cloud (Graph), the writeback channel to on-premises
// AD, and a way to change cards already in a chat. Adapters implement them.
import type { InspectReport } from '../../agent/protocol';
import type { AdaptiveCard } from '../../cards';
import type { DirectoryUser, AuthenticationMethods, DirectoryManager, FoundUser } from '../graph/graph-directory';
import type { NewJob } from '../store';

export interface PeopleDirectory {
  getUser(aadObjectId: string): Promise<DirectoryUser>;
  getUserByUpn(upn: string): Promise<DirectoryUser>;
  /** People whose name, mail or sign-in name starts with `text`, for the helpdesk to find a caller. */
  searchUsers(text: string, top?: number): Promise<FoundUser[]>;
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

/** A card the bot posted in a channel, so it can be updated for everyone later. */
export interface ChannelPost {
  channelId: string;
  serviceUrl: string;
  activityId: string;
}

/**
 * Proactive sends. Each resolves only when Teams took the message, and
 * rejects (TEAMS_SEND_FAILED, TEAMS_NO_CONVERSATION) when it did not, so the
 * code that asked can tell the person the truth.
 */
export interface CardMessenger {
  /** Replaces a card already in a chat (a proactive update). */
  updateCard(at: CardLocation, card: AdaptiveCard): Promise<void>;
  /** Sends a new card to a person's 1:1 chat with the bot; returns where it landed, or null if we cannot reach them. */
  sendCardToPerson(tenantId: string, aadObjectId: string, card: AdaptiveCard): Promise<CardLocation | null>;
  /** Posts a card to a Teams channel the bot is installed in; returns where it landed. */
  postToChannel(channel: { tenantId: string; channelId: string; serviceUrl: string }, card: AdaptiveCard): Promise<ChannelPost>;
  /** Replaces a card the bot posted in a channel, for everyone there. */
  updateChannelCard(post: ChannelPost & { tenantId: string }, card: AdaptiveCard): Promise<void>;
  /** Opens a 1:1 chat with a person the bot has no conversation with yet (by their Teams id), and sends the card there. */
  openPersonalChat(tenantId: string, teamsUserId: string, serviceUrl: string, card: AdaptiveCard): Promise<CardLocation | null>;
  /** Whether the bot can message this person in a 1:1 chat (it knows how to reach them). */
  canReachPerson(tenantId: string, aadObjectId: string): Promise<boolean>;
}
