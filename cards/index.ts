// Everything the bot needs from cards/: one builder per card, the verbs and
// submission schemas of their actions, and the attachment wrapper.
export { CardVerb, cardActionDataSchemas, parseCardAction, isCardVerb, MAX_PASSWORD_LENGTH } from './actions';
export type { CardAction, CardActionData } from './actions';
export type { ActionContext, Operation } from './card-data';
export { ADAPTIVE_CARD_CONTENT_TYPE, MESSAGE_CONTENT_TYPE, cardAttachment, cardInvokeResponse, messageInvokeResponse, SECRET_INPUT_IDS } from './render-card';
export type { AdaptiveCard, CardElementJson } from './render-card';
export { maskEmail, maskPhone } from './mask';
export type { CodeDestination, VerificationMethod, CompletedCheck } from './verification-methods';
export { codeDestinationSchema, maskedDestination, methodOffer, verificationMethodSchema } from './verification-methods';
export type { VerificationStep } from './verification-step';
export { buildMenuCard, DEFAULT_SELF_SERVICE_URL } from './menu-card';
export type { MenuCardData } from './menu-card';
export { buildHelpCard } from './help-card';
export type { HelpCardData } from './help-card';
export { buildChooseMethodCard } from './choose-method-card';
export type { ChooseMethodCardData } from './choose-method-card';
export { buildEnterCodeCard } from './enter-code-card';
export type { EnterCodeCardData, CodeNotice } from './enter-code-card';
export { buildWaitingForManagerCard } from './waiting-for-manager-card';
export type { WaitingForManagerCardData } from './waiting-for-manager-card';
export { buildManagerConfirmCard } from './manager-confirm-card';
export type { ManagerConfirmCardData } from './manager-confirm-card';
export { buildNewPasswordCard, buildChangePasswordCard } from './new-password-card';
export type { NewPasswordCardData, PasswordRules, PasswordProblem } from './new-password-card';
export { buildStatusCard } from './status-card';
export type { StatusCardData, AccountStatus } from './status-card';
export {
  buildWorkingCard,
  buildPasswordChangedCard,
  buildAccountUnlockedCard,
  buildFailureCard,
  buildStepOverCard,
  buildNotAllowedCard,
  buildTooManyTriesCard,
  buildDirectoryUnreachableCard,
  buildRequestExpiredCard,
  buildCancelledCard,
  buildAwaitingApprovalCard,
  buildApprovalDeniedCard,
  buildManagerRefusedCard,
  buildManagerAnsweredCard,
  buildLimitReachedCard,
  buildOwnerAnsweredCard,
  buildHelpdeskActedCard,
} from './notice-cards';
export type {
  StartAgainData,
  WorkingCardData,
  PasswordChangedCardData,
  FailureCardData,
  ManagerRefusedCardData,
  ManagerAnsweredCardData,
  LimitReachedCardData,
  ApprovalDeniedCardData,
  OwnerAnsweredCardData,
  HelpdeskActedCardData,
} from './notice-cards';
export { buildApprovalRequestCard, buildApprovalResolvedCard } from './approval-card';
export type { ApprovalRequestCardData, ApprovalResolvedCardData } from './approval-card';
export {
  buildHelpdeskFindCard, buildHelpdeskMatchesCard, buildHelpdeskAccountCard, buildOwnerConfirmCard, buildHelpdeskResultCard, buildTemporaryPasswordCard,
} from './helpdesk-cards';
export type {
  HelpdeskFindCardData, HelpdeskMatchesCardData, HelpdeskAccountCardData, OwnerConfirmCardData, HelpdeskResultCardData, TemporaryPasswordCardData,
} from './helpdesk-cards';
export type { CardAudience } from './verification-methods';
export { buildAgentEnrolledCard, buildAgentDecidedCard } from './agent-enrolled-card';
export type { AgentEnrolledCardData, AgentDecidedCardData } from './agent-enrolled-card';
