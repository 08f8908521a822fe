// The Teams edge: which activity goes where, and nothing else. Activities and
// card actions are translated into journey calls; the journey's cards go back
// as replies or as the invoke response that replaces the clicked card.
import { TeamsActivityHandler, TurnContext, type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue, type TaskModuleRequest, type TaskModuleResponse } from 'botbuilder';
import { z } from 'zod';
import { revealTemporaryPassword } from '../journey/temporary-password-delivery';
import { cardAttachment, cardInvokeResponse, messageInvokeResponse, parseCardAction, buildStepOverCard } from '../../cards';
import type { Actor, JourneyDeps } from '../journey/journey-deps';
import { answerMessage } from '../journey/start';
import { answerInChannel, channelIdOf } from '../journey/channel-messages';
import { isPrivateNotice, render } from '../journey/views';
import { answerCardAction } from './card-routes';
import { isResetDeskError } from '../errors';
import type { Logger } from '../log';
import type { Store, JsonValue } from '../store';
import type { KnownReferences } from './known-references';

const RevealRequestSchema = z.object({ verb: z.literal('helpdesk.reveal'), requestId: z.uuid(), stepToken: z.string().min(16).max(512) });

export interface ResetDeskBotDeps {
  journey: JourneyDeps;
  store: Store;
  /** Activities from any other tenant are refused. */
  tenantId: string;
  logger: Logger;
  /** Shared with the card messenger, which sends through the references this replica saw. */
  references: KnownReferences;
}

export class ResetDeskBot extends TeamsActivityHandler {
  constructor(private readonly deps: ResetDeskBotDeps) {
    super();
    this.onMessage(async (context, next) => {
      const actor = this.actorOf(context);
      if (!actor) return;
      const conversation = context.activity.conversation;
      if (conversation?.conversationType && conversation.conversationType !== 'personal') {
        // In a channel or group chat: a short answer there, the help itself in private.
        const reply = await answerInChannel(this.deps.journey, actor, context.activity.text ?? '', {
          channelId: channelIdOf(conversation.id),
          serviceUrl: context.activity.serviceUrl,
          teamsUserId: context.activity.from.id,
        });
        await context.sendActivity(reply);
        await next();
        return;
      }
      const answer = await answerMessage(this.deps.journey, actor, context.activity.text ?? '');
      await context.sendActivity({ attachments: [cardAttachment(render(answer))] });
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    // Only Teams: other channels (Web Chat, Direct Line, ...) carry no Entra identity we could trust for a password reset.
    if (context.activity.channelId !== 'msteams') {
      this.deps.logger.warn({ activityType: context.activity.type, channelId: String(context.activity.channelId).slice(0, 40) }, 'activity from another channel refused');
      await this.refuse(context, 'CHANNEL_NOT_ALLOWED', 'ResetDesk works only in Microsoft Teams.');
      return;
    }
    const tenant = context.activity.conversation?.tenantId ?? (context.activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
    if (tenant !== this.deps.tenantId) {
      this.deps.logger.warn({ activityType: context.activity.type }, 'activity from another tenant refused');
      await this.refuse(context, 'TENANT_NOT_ALLOWED', 'This bot serves another organisation.');
      return;
    }
    const activity = context.activity;
    const aad = activity.from?.aadObjectId;
    if (aad && activity.conversation?.conversationType === 'personal') {
      // Kept for proactive updates of this person's cards (results, approvals, manager answers).
      // A person's reference rarely changes; writing it on every click would cost a database write per turn,
      // so it is saved when what reaching them depends on changes (or this replica has not saved it yet).
      const fingerprint = [activity.serviceUrl, activity.channelId, activity.conversation.id, activity.from.id, activity.from.name, activity.recipient?.id, activity.recipient?.name, activity.locale].join('\n');
      // JSON round trip: botbuilder leaves undefined members that are not JSON.
      // Without the incoming activity's id, which changes every turn and is not needed to reach the person later.
      const { activityId: _ignored, ...fromTurn } = TurnContext.getConversationReference(activity);
      const reference = JSON.parse(JSON.stringify(fromTurn)) as Record<string, JsonValue>;
      if (!this.deps.references.alreadySaved(tenant, aad, fingerprint)) await this.deps.store.saveConversationReference(tenant, aad, reference);
      this.deps.references.seen(tenant, aad, reference, fingerprint);
    }
    await super.run(context);
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const actor = this.actorOf(context);
    if (!actor) return cardInvokeResponse(buildStepOverCard()) as AdaptiveCardInvokeResponse;
    let action;
    try {
      action = parseCardAction(invokeValue.action);
    } catch (err) {
      this.deps.logger.warn({ code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, 'card action refused');
      return cardInvokeResponse(buildStepOverCard()) as AdaptiveCardInvokeResponse;
    }
    const answer = await answerCardAction(this.deps.journey, actor, action, {
      activityId: context.activity.replyToId,
      conversationId: context.activity.conversation?.id,
    });
    return (isPrivateNotice(answer) ? messageInvokeResponse(answer.privateNotice) : cardInvokeResponse(render(answer))) as unknown as AdaptiveCardInvokeResponse;
  }

  /**
   * "Show the temporary password (once)": a Teams dialog (task/fetch) answered
   * with a card, so the password never becomes a chat message. Anything else
   * asked of a dialog is refused.
   */
  protected override async handleTeamsTaskModuleFetch(context: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
    const actor = this.actorOf(context);
    const data = RevealRequestSchema.safeParse(request.data);
    if (!actor || !data.success) return { task: { type: 'message', value: 'This button is not one I know.' } };
    let answer;
    try {
      answer = await revealTemporaryPassword(this.deps.journey, actor, data.data.requestId, data.data.stepToken);
    } catch (err) {
      this.deps.logger.warn({ errorCode: isResetDeskError(err) ? err.code : 'UNKNOWN' }, 'temporary password reveal refused');
      return { task: { type: 'message', value: 'This step is over, so nothing is shown.' } };
    }
    if (isPrivateNotice(answer)) return { task: { type: 'message', value: answer.privateNotice } };
    return { task: { type: 'continue', value: { title: 'Temporary password', height: 'small', width: 'medium', card: cardAttachment(render(answer)) } } };
  }

  /** An invoke is answered 403 so the client shows an error; anything else is left unanswered. */
  private async refuse(context: TurnContext, code: string, message: string): Promise<void> {
    if (context.activity.type === 'invoke') {
      await context.sendActivity({ type: 'invokeResponse', value: { status: 403, body: { code, message } } });
    }
  }

  private actorOf(context: TurnContext): Actor | undefined {
    const aad = context.activity.from?.aadObjectId;
    if (!aad) return undefined;
    return { aadObjectId: aad, tenantId: this.deps.tenantId };
  }
}
