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
  build: () => AdaptiveCard;
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
  { builder: 'buildMenuCard', variant: 'synced user', build: () => cards.buildMenuCard({ ...ACTION, displayName: 'Jo Doe', syncedFromOnPremises: true }) },
  { builder: 'buildMenuCard', variant: 'cloud-only user', build: () => cards.buildMenuCard({ ...ACTION, displayName: 'Jo Doe', syncedFromOnPremises: false }) },
  { builder: 'buildHelpCard', variant: 'plain', build: () => cards.buildHelpCard({ ...ACTION }) },
  { builder: 'buildHelpCard', variant: 'with helpdesk contact', build: () => cards.buildHelpCard({ ...ACTION, helpdeskContact: 'IT helpdesk, +1 555 0100' }) },
  {
    builder: 'buildChooseMethodCard',
    variant: 'one check',
    build: () =>
      cards.buildChooseMethodCard({
        ...ACTION,
        operation: 'reset',
        methods: [
          { id: 'email', kind: 'email', address: 'alice@contoso.com' },
          { id: 'sms', kind: 'sms', phoneNumber: '+1 4255550142' },
          { id: 'manager', kind: 'manager', managerName: 'Dana Smith' },
          { id: 'mfa', kind: 'mfa' },
        ],
      }),
  },
  {
    builder: 'buildChooseMethodCard',
    variant: 'second of two checks',
    build: () =>
      cards.buildChooseMethodCard({
        ...ACTION,
        operation: 'unlock',
        methods: [{ id: 'sms', kind: 'sms', phoneNumber: '+44 7700900123' }],
        step: { current: 2, total: 2 },
      }),
  },
  {
    builder: 'buildEnterCodeCard',
    variant: 'first try',
    build: () => cards.buildEnterCodeCard({ ...ACTION, destination: { kind: 'email', address: 'alice@contoso.com' } }),
  },
  {
    builder: 'buildEnterCodeCard',
    variant: 'wrong code, step 1 of 2',
    build: () =>
      cards.buildEnterCodeCard({
        ...ACTION,
        destination: { kind: 'sms', phoneNumber: '+1 4255550142' },
        codeLength: 8,
        notice: { kind: 'wrongCode', triesLeft: 3 },
        step: { current: 1, total: 2 },
      }),
  },
  {
    builder: 'buildEnterCodeCard',
    variant: 'resend too soon',
    build: () =>
      cards.buildEnterCodeCard({ ...ACTION, destination: { kind: 'sms', phoneNumber: '+1 4255550142' }, notice: { kind: 'resendTooSoon', retryAfterSeconds: 45 } }),
  },
  { builder: 'buildWaitingForManagerCard', variant: 'plain', build: () => cards.buildWaitingForManagerCard({ ...ACTION, managerName: 'Dana Smith' }) },
  {
    builder: 'buildManagerConfirmCard',
    variant: 'reset',
    build: () => cards.buildManagerConfirmCard({ ...ACTION, requesterName: 'Jo Doe', accountName: 'jo.doe@contoso.com', operation: 'reset', askedAt: ASKED_AT }),
  },
  { builder: 'buildNewPasswordCard', variant: 'first try', build: () => cards.buildNewPasswordCard({ ...ACTION, rules: policy }) },
  {
    builder: 'buildNewPasswordCard',
    variant: 'after refusal',
    build: () => cards.buildNewPasswordCard({ ...ACTION, rules: policy, problems: ['POLICY_TOO_SHORT', 'POLICY_BREACHED'], accountName: 'jo.doe@contoso.com' }),
  },
  {
    builder: 'buildChangePasswordCard',
    variant: 'after wrong current password',
    build: () => cards.buildChangePasswordCard({ ...ACTION, rules: { minLength: 14 }, problems: ['CURRENT_PASSWORD_WRONG'] }),
  },
  { builder: 'buildStatusCard', variant: 'pending', build: () => cards.buildStatusCard({ accountName: 'jo.doe@contoso.com', status: { state: 'pending' } }) },
  {
    builder: 'buildStatusCard',
    variant: 'locked, with unlock button',
    build: () =>
      cards.buildStatusCard({
        accountName: 'jo.doe@contoso.com',
        status: { state: 'known', locked: true, disabled: false, passwordExpiresAt: new Date('2026-04-15T00:00:00Z') },
        checkedAt: ASKED_AT,
        unlock: FRESH,
      }),
  },
  {
    builder: 'buildStatusCard',
    variant: 'disabled, password never expires',
    build: () => cards.buildStatusCard({ accountName: 'jo.doe@contoso.com', status: { state: 'known', locked: false, disabled: true, passwordExpiresAt: null } }),
  },
  { builder: 'buildWorkingCard', variant: 'reset', build: () => cards.buildWorkingCard({ operation: 'reset' }) },
  { builder: 'buildWorkingCard', variant: 'unlock', build: () => cards.buildWorkingCard({ operation: 'unlock' }) },
  { builder: 'buildPasswordChangedCard', variant: 'signed out everywhere', build: () => cards.buildPasswordChangedCard({ signedOutEverywhere: true }) },
  { builder: 'buildAccountUnlockedCard', variant: 'plain', build: () => cards.buildAccountUnlockedCard() },
  {
    builder: 'buildFailureCard',
    variant: 'with reference and start again',
    build: () =>
      cards.buildFailureCard({
        reason: 'The directory refused this password: it is one of your recent ones.',
        reference: '5f0c6a52',
        startAgain: FRESH,
      }),
  },
  { builder: 'buildFailureCard', variant: 'plain', build: () => cards.buildFailureCard({ reason: 'Your account is protected and cannot be reset here.' }) },
  { builder: 'buildStepOverCard', variant: 'with start again', build: () => cards.buildStepOverCard({ startAgain: FRESH }) },
  { builder: 'buildStepOverCard', variant: 'plain', build: () => cards.buildStepOverCard() },
  { builder: 'buildNotAllowedCard', variant: 'plain', build: () => cards.buildNotAllowedCard() },
  { builder: 'buildTooManyTriesCard', variant: 'plain', build: () => cards.buildTooManyTriesCard() },
  { builder: 'buildDirectoryUnreachableCard', variant: 'with start again', build: () => cards.buildDirectoryUnreachableCard({ startAgain: FRESH }) },
  { builder: 'buildRequestExpiredCard', variant: 'plain', build: () => cards.buildRequestExpiredCard() },
  { builder: 'buildCancelledCard', variant: 'plain', build: () => cards.buildCancelledCard() },
  { builder: 'buildAwaitingApprovalCard', variant: 'plain', build: () => cards.buildAwaitingApprovalCard() },
  { builder: 'buildApprovalDeniedCard', variant: 'plain', build: () => cards.buildApprovalDeniedCard() },
  { builder: 'buildManagerRefusedCard', variant: 'plain', build: () => cards.buildManagerRefusedCard({ managerName: 'Dana Smith' }) },
  { builder: 'buildManagerAnsweredCard', variant: 'confirmed', build: () => cards.buildManagerAnsweredCard({ requesterName: 'Jo Doe', decision: 'confirmed' }) },
  { builder: 'buildManagerAnsweredCard', variant: 'refused', build: () => cards.buildManagerAnsweredCard({ requesterName: 'Jo Doe', decision: 'refused' }) },
  {
    builder: 'buildApprovalRequestCard',
    variant: 'pending',
    build: () => cards.buildApprovalRequestCard({ ...ACTION, ...approvalFacts, expiresAt: new Date('2026-03-02T09:01:30Z') }),
  },
  {
    builder: 'buildApprovalResolvedCard',
    variant: 'approved',
    build: () => cards.buildApprovalResolvedCard({ ...approvalFacts, decision: { outcome: 'approved', by: 'Sam Lee', at: '2026-03-02T08:05:00Z' } }),
  },
  {
    builder: 'buildApprovalResolvedCard',
    variant: 'denied, helpdesk-started unlock',
    build: () =>
      cards.buildApprovalResolvedCard({
        ...approvalFacts,
        operation: 'unlock',
        startedBy: 'helpdesk',
        checksPassed: [{ kind: 'helpdesk', agentName: 'Pat Kim' }],
        decision: { outcome: 'denied', by: 'Sam Lee', at: ASKED_AT },
      }),
  },
  {
    builder: 'buildApprovalResolvedCard',
    variant: 'expired',
    build: () => cards.buildApprovalResolvedCard({ ...approvalFacts, checksPassed: [], decision: { outcome: 'expired', at: ASKED_AT } }),
  },
  { builder: 'buildHelpdeskStartCard', variant: 'empty', build: () => cards.buildHelpdeskStartCard({ ...ACTION }) },
  {
    builder: 'buildHelpdeskStartCard',
    variant: 'after refusal',
    build: () =>
      cards.buildHelpdeskStartCard({ ...ACTION, upn: 'jo.doe@contoso.com', operation: 'unlock', ticket: 'INC-1234', error: 'No one with that sign-in name was found.' }),
  },
];

export const builderNames = (Object.keys(cards) as string[]).filter((name) => name.startsWith('build')).sort();
