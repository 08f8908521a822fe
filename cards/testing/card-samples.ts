// Sample data for every builder and every variant of its card, shared by the
// specs that validate the cards and that hunt for leaked secrets.
import * as cards from '../index';
import type { AdaptiveCard } from '../render-card';

export const REQUEST_ID = '5f0c6a52-8d8e-4b55-9a43-3f6c9e2b7a10';
export const STEP_TOKEN = 'stp_Xq3v9LmR2kP8wT4yZ1aB6cD0eF';
export const ACTION = { requestId: REQUEST_ID, stepToken: STEP_TOKEN } as const;
export const FRESH = { requestId: '0b8e2d7c-1f3a-4e6b-8c9d-2a4b6c8d0e1f', stepToken: 'stp_Fresh0123456789abcdefXYZ' } as const;
export const ASKED_AT = new Date('2026-03-02T08:01:30.250Z');

type Builders = { [K in keyof typeof cards as K extends `build${string}` ? K : never]: (typeof cards)[K] };
export type BuilderName = keyof Builders;

export interface CardSample {
  builder: BuilderName;
  variant: string;
  /** The data the builder is called with (undefined for builders that take none). */
  data: unknown;
  build: () => AdaptiveCard;
}

/** Calls a sample's builder with other data, e.g. the sample's data with extra fields a careless caller might pass. */
export function buildWith(sample: CardSample, data: unknown): AdaptiveCard {
  return (cards[sample.builder] as (data: unknown) => AdaptiveCard)(data);
}

function sample<B extends BuilderName>(builder: B, variant: string, ...args: Parameters<Builders[B]>): CardSample {
  const data = args[0];
  return { builder, variant, data, build: () => (cards[builder] as (data: unknown) => AdaptiveCard)(data) };
}

const checks: cards.CompletedCheck[] = [
  { kind: 'email', address: 'jo.doe.private@example.org' },
  { kind: 'manager', managerName: 'Dana Smith' },
];

const approvalFacts = {
  requester: { displayName: 'Jo Doe', account: 'jo.doe@contoso.com' },
  account: { displayName: 'Jo Doe (admin)', account: 'adm-jdoe@contoso.com' },
  operation: 'reset' as const,
  privilegedBecause: ['Member of Domain Admins', 'adminCount is set'],
  checksPassed: checks,
  askedAt: ASKED_AT,
};

const policy = { minLength: 12, complexity: true, historyLength: 24, notBreached: true };

export const cardSamples: CardSample[] = [
  sample('buildMenuCard', 'synced user', { ...ACTION, displayName: 'Jo Doe', syncedFromOnPremises: true }),
  sample('buildMenuCard', 'cloud-only user', { ...ACTION, displayName: 'Jo Doe', syncedFromOnPremises: false }),
  sample('buildHelpCard', 'plain', { ...ACTION }),
  sample('buildHelpCard', 'with helpdesk contact', { ...ACTION, helpdeskContact: 'IT helpdesk, +1 555 0100' }),
  sample('buildChooseMethodCard', 'one check', {
    ...ACTION,
    operation: 'reset',
    methods: [
      { id: 'email', kind: 'email', address: 'alice@contoso.com' },
      { id: 'sms', kind: 'sms', phoneNumber: '+1 4255550142' },
      { id: 'manager', kind: 'manager', managerName: 'Dana Smith' },
      { id: 'mfa', kind: 'mfa' },
    ],
  }),
  sample('buildChooseMethodCard', 'second of two checks', {
    ...ACTION,
    operation: 'unlock',
    methods: [{ id: 'sms', kind: 'sms', phoneNumber: '+44 7700900123' }],
    step: { current: 2, total: 2 },
  }),
  sample('buildEnterCodeCard', 'first try', { ...ACTION, destination: { kind: 'email', address: 'alice@contoso.com' } }),
  sample('buildEnterCodeCard', 'wrong code, step 1 of 2', {
    ...ACTION,
    destination: { kind: 'sms', phoneNumber: '+1 4255550142' },
    codeLength: 8,
    notice: { kind: 'wrongCode', triesLeft: 3 },
    step: { current: 1, total: 2 },
  }),
  sample('buildEnterCodeCard', 'resend too soon', {
    ...ACTION,
    destination: { kind: 'sms', phoneNumber: '+1 4255550142' },
    notice: { kind: 'resendTooSoon', retryAfterSeconds: 45 },
  }),
  sample('buildWaitingForManagerCard', 'plain', { ...ACTION, managerName: 'Dana Smith' }),
  sample('buildManagerConfirmCard', 'reset', { ...ACTION, requesterName: 'Jo Doe', accountName: 'jo.doe@contoso.com', operation: 'reset', askedAt: ASKED_AT }),
  sample('buildNewPasswordCard', 'first try', { ...ACTION, rules: policy }),
  sample('buildNewPasswordCard', 'after refusal', {
    ...ACTION,
    rules: policy,
    problems: ['POLICY_TOO_SHORT', 'POLICY_BREACHED'],
    accountName: 'jo.doe@contoso.com',
  }),
  sample('buildChangePasswordCard', 'after wrong current password', { ...ACTION, rules: { minLength: 14 }, problems: ['CURRENT_PASSWORD_WRONG'] }),
  sample('buildStatusCard', 'pending', { accountName: 'jo.doe@contoso.com', status: { state: 'pending' } }),
  sample('buildStatusCard', 'locked, with unlock button', {
    accountName: 'jo.doe@contoso.com',
    status: { state: 'known', locked: true, disabled: false, passwordExpiresAt: new Date('2026-04-15T00:00:00Z') },
    checkedAt: ASKED_AT,
    unlock: FRESH,
  }),
  sample('buildStatusCard', 'disabled, password never expires', {
    accountName: 'jo.doe@contoso.com',
    status: { state: 'known', locked: false, disabled: true, passwordExpiresAt: null },
  }),
  sample('buildWorkingCard', 'reset', { operation: 'reset' }),
  sample('buildWorkingCard', 'unlock', { operation: 'unlock' }),
  sample('buildPasswordChangedCard', 'signed out everywhere', { signedOutEverywhere: true }),
  sample('buildAccountUnlockedCard', 'plain'),
  sample('buildFailureCard', 'with reference and start again', {
    reason: 'The directory refused this password: it is one of your recent ones.',
    reference: '5f0c6a52',
    startAgain: FRESH,
  }),
  sample('buildFailureCard', 'plain', { reason: 'Your account is protected and cannot be reset here.' }),
  sample('buildStepOverCard', 'with start again', { startAgain: FRESH }),
  sample('buildStepOverCard', 'plain'),
  sample('buildNotAllowedCard', 'plain'),
  sample('buildTooManyTriesCard', 'plain'),
  sample('buildDirectoryUnreachableCard', 'with start again', { startAgain: FRESH }),
  sample('buildRequestExpiredCard', 'plain'),
  sample('buildCancelledCard', 'plain'),
  sample('buildAwaitingApprovalCard', 'plain'),
  sample('buildApprovalDeniedCard', 'plain'),
  sample('buildManagerRefusedCard', 'plain', { managerName: 'Dana Smith' }),
  sample('buildManagerAnsweredCard', 'confirmed', { requesterName: 'Jo Doe', decision: 'confirmed' }),
  sample('buildManagerAnsweredCard', 'refused', { requesterName: 'Jo Doe', decision: 'refused' }),
  sample('buildApprovalRequestCard', 'pending', { ...ACTION, ...approvalFacts, expiresAt: new Date('2026-03-02T09:01:30Z') }),
  sample('buildApprovalResolvedCard', 'approved', {
    ...approvalFacts,
    decision: { outcome: 'approved', by: 'Sam Lee', at: '2026-03-02T08:05:00Z' },
  }),
  sample('buildApprovalResolvedCard', 'denied, helpdesk-started unlock', {
    ...approvalFacts,
    operation: 'unlock',
    startedBy: 'helpdesk',
    checksPassed: [{ kind: 'helpdesk', agentName: 'Pat Kim' }],
    decision: { outcome: 'denied', by: 'Sam Lee', at: ASKED_AT, reason: 'Not during the change freeze' },
  }),
  sample('buildApprovalResolvedCard', 'expired', { ...approvalFacts, checksPassed: [], decision: { outcome: 'expired', at: ASKED_AT } }),
  sample('buildHelpdeskFindCard', 'empty', { ...ACTION }),
  sample('buildHelpdeskFindCard', 'nobody found', { ...ACTION, query: 'Jo Dough', error: 'Nobody matches "Jo Dough". Check the spelling, or search by e-mail address.' }),
  sample('buildHelpdeskMatchesCard', 'two people', {
    query: 'Jo',
    people: [
      { personId: '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4e', displayName: 'Jo Doe', userPrincipalName: 'jo.doe@contoso.com', jobTitle: 'Buyer', department: 'Purchasing', ...FRESH },
      { personId: '4f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4f', displayName: 'Jo Dale', userPrincipalName: 'jo.dale@contoso.com', ...FRESH },
    ],
    searchAgain: ACTION,
  }),
  sample('buildHelpdeskAccountCard', 'locked, ordinary', {
    ...FRESH, personId: '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4e', displayName: 'Jo Doe', accountName: 'jdoe',
    state: { locked: true, disabled: false, passwordExpired: false, mustChange: false, passwordExpiresAt: ASKED_AT, passwordLastSetAt: ASKED_AT },
    searchAgain: ACTION,
  }),
  sample('buildHelpdeskAccountCard', 'privileged, needs approval', {
    ...FRESH, personId: '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4e', displayName: 'Jo Doe', accountName: 'adm-jdoe',
    state: { locked: false, disabled: false, passwordExpired: true, mustChange: false, passwordExpiresAt: null, passwordLastSetAt: null },
    approvalReasons: ['member of Domain Admins'], approvalsRequired: 2, searchAgain: ACTION,
  }),
  sample('buildOwnerConfirmCard', 'reset', { ...ACTION, helpdeskName: 'Hank Helpdesk', accountName: 'jdoe', operation: 'reset', askedAt: ASKED_AT }),
  sample('buildHelpdeskResultCard', 'unlocked', { outcome: 'unlocked', displayName: 'Jo Doe', ticket: 'INC-1234', searchAgain: ACTION }),
  sample('buildHelpdeskResultCard', 'sent by SMS', { outcome: 'reset_sent', displayName: 'Jo Doe', ticket: 'INC-1234', sentTo: { kind: 'sms', phoneNumber: '+14255550142' }, searchAgain: ACTION }),
  sample('buildHelpdeskResultCard', 'to reveal', { outcome: 'reset_reveal', displayName: 'Jo Doe', ticket: 'INC-1234', reveal: FRESH, searchAgain: ACTION }),
  sample('buildHelpdeskResultCard', 'caller denied', { outcome: 'caller_denied', displayName: 'Jo Doe', ticket: 'INC-1234', searchAgain: ACTION }),
  sample('buildTemporaryPasswordCard', 'once', { displayName: 'Jo Doe', temporaryPassword: 'Tq7#mZ-4pL9!xW2k' }),
  sample('buildWaitingForManagerCard', 'the owner, for the helpdesk', { ...ACTION, managerName: 'Jo Doe', asked: 'owner' }),
  sample('buildLimitReachedCard', 'person, wrong codes', { action: 'wrong_code', scope: 'person', until: ASKED_AT }),
  sample('buildLimitReachedCard', 'account, texts', { action: 'sms_code', scope: 'account', until: '2026-03-03T08:01:30Z' }),
  sample('buildAgentEnrolledCard', 'pending', { agentId: '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', stepToken: STEP_TOKEN, name: 'dc1-agent', thumbprint: 'Xq3v-9LmR-2kP8-wT4y-Z1aB', managedOus: ['OU=Staff,DC=corp,DC=example'], version: '0.1.0', enrolledAt: ASKED_AT }),
  sample('buildAgentDecidedCard', 'confirmed', { agentId: '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', name: 'dc1-agent', thumbprint: 'Xq3v-9LmR-2kP8-wT4y-Z1aB', managedOus: ['OU=Staff,DC=corp,DC=example'], enrolledAt: ASKED_AT, decision: 'confirmed', by: 'Alex Admin', at: ASKED_AT }),
  sample('buildAgentDecidedCard', 'revoked', { agentId: '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', name: 'dc1-agent', thumbprint: 'Xq3v-9LmR-2kP8-wT4y-Z1aB', managedOus: ['OU=Staff,DC=corp,DC=example'], enrolledAt: ASKED_AT, decision: 'revoked', by: 'Alex Admin', at: ASKED_AT }),
  sample('buildApprovalDeniedCard', 'with a reason', { reason: 'Not during the change freeze', startAgain: FRESH }),
  sample('buildOwnerAnsweredCard', 'confirmed', { decision: 'confirmed' }),
  sample('buildOwnerAnsweredCard', 'not me', { decision: 'refused' }),
  sample('buildHelpdeskActedCard', 'reset', { helpdeskName: 'Hank Helpdesk', operation: 'reset', ticket: 'INC-1234', sentTo: '+1 ••• ••• ••42' }),
  sample('buildHelpdeskActedCard', 'unlock', { helpdeskName: 'Hank Helpdesk', operation: 'unlock', ticket: 'INC-1234' }),
];

export const builderNames = (Object.keys(cards) as string[]).filter((name) => name.startsWith('build')).sort();
