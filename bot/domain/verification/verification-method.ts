import type { ResetDeskError } from '../../errors';
import type { AuditEntryDraft } from '../audit';
import type { ResetRequest } from '../reset-request';
import type { VerificationMethodName } from './method-name';

/** What the directory (Graph) says this user has registered. */
export interface UserVerificationMethods {
  alternateEmail?: string;
  mobilePhone?: string;
  managerAadId?: string;
  /** The user has an MFA method registered in Entra ID. */
  mfaRegistered?: boolean;
  /** The bot can reach the account's owner in Teams (a helpdesk request only: the caller may not be them). */
  ownerReachable?: boolean;
}

export interface VerificationContext {
  request: Pick<ResetRequest, 'id' | 'tenantId' | 'ownerAadId' | 'requestedBy' | 'kind' | 'subject'>;
  user: UserVerificationMethods;
  now: Date;
}

export type ChallengeStatus = 'pending' | 'passed' | 'failed' | 'expired';

interface ChallengeBase {
  id: string;
  requestId: string;
  status: ChallengeStatus;
  createdAt: Date;
  expiresAt: Date;
}

/** Only the salted hash of the code is kept; the code itself lives in the message to the user and nowhere else. */
export interface CodeChallenge extends ChallengeBase {
  method: 'email' | 'sms';
  /** Shown on the card so the user knows where to look ("a•••@contoso.com"). */
  maskedTarget: string;
  digits: number;
  codeSalt: string;
  codeHash: string;
  attempts: number;
  maxAttempts: number;
  sendCount: number;
  lastSentAt: Date;
}

export interface ManagerChallenge extends ChallengeBase {
  method: 'manager';
  managerAadId: string;
}

export interface MfaChallenge extends ChallengeBase {
  method: 'mfa';
}

/** The account's owner is asked in Teams whether the helpdesk's caller is them. */
export interface PersonChallenge extends ChallengeBase {
  method: 'person';
  ownerAadId: string;
}

export type VerificationChallenge = CodeChallenge | ManagerChallenge | MfaChallenge | PersonChallenge;

export type VerificationResponse =
  | { method: 'email' | 'sms'; code: string }
  | { method: 'manager'; responderAadId: string; decision: 'confirm' | 'refuse' }
  | { method: 'mfa'; signInToken: string }
  | { method: 'person'; responderAadId: string; decision: 'confirm' | 'refuse' };

export interface StartResult<C extends VerificationChallenge> {
  challenge: C;
  audit: AuditEntryDraft;
}

/**
 * A check that changes the challenge returns it (persist it either way);
 * a refusal that changes nothing is thrown instead.
 * - passed: apply `methodPassed` to the request;
 * - retry: tell the user (`error`), the challenge is still open;
 * - expired: offer a resend or another method;
 * - failed: apply `verificationFailed`, which closes the request.
 */
export type CheckResult<C extends VerificationChallenge> =
  | { outcome: 'passed'; challenge: C; audit?: AuditEntryDraft }
  | { outcome: 'retry' | 'expired' | 'failed'; challenge: C; error: ResetDeskError; audit?: AuditEntryDraft };

export interface VerificationMethod<C extends VerificationChallenge = VerificationChallenge> {
  readonly name: VerificationMethodName;
  isAvailable(user: UserVerificationMethods): boolean;
  /** Sends a code, asks the manager, or opens a step-up sign-in. */
  start(ctx: VerificationContext): Promise<StartResult<C>>;
  check(challenge: C, response: VerificationResponse, ctx: VerificationContext): Promise<CheckResult<C>>;
}

// Ports: plain interfaces the adapters (Graph, the SMS provider, the Teams edge) implement.

export interface MailSender {
  sendMail(message: { to: string; subject: string; text: string }): Promise<void>;
}

/** The shape bot/integrations/sms-sender.ts implements; `toE164` like +14255550142. */
export interface SmsSender {
  send(toE164: string, text: string): Promise<unknown>;
}

export interface ManagerNotifier {
  notifyManager(notice: {
    managerAadId: string;
    tenantId: string;
    requestId: string;
    challengeId: string;
    kind: ResetRequest['kind'];
    subjectDisplayName: string;
    /** The account's sign-in name (sAMAccountName), so the manager sees which account, not only whose. */
    subjectAccountName: string;
    helpdeskAssisted: boolean;
    expiresAt: Date;
  }): Promise<void>;
}

export interface PersonNotifier {
  /** Sends the owner the "is that you on the phone?" card; throws when they cannot be reached. */
  askOwner(notice: {
    ownerAadId: string;
    tenantId: string;
    requestId: string;
    challengeId: string;
    kind: ResetRequest['kind'];
    /** The account's sign-in name, so the owner sees which account. */
    accountName: string;
    helpdeskAadId: string;
    expiresAt: Date;
  }): Promise<void>;
}

/** Claims of a sign-in token whose signature, issuer and audience the adapter has already validated. */
export interface StepUpClaims {
  aadObjectId: string;
  tenantId: string;
  authTime: Date;
  /** The sign-in used multi-factor authentication (`amr` contains `mfa`). */
  mfa: boolean;
}

export interface StepUpTokenValidator {
  /** Returns null for a token that is not genuine (bad signature, wrong audience, expired). */
  validate(signInToken: string): Promise<StepUpClaims | null>;
}
