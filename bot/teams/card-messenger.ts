// Proactive messages through the stored conversation references: the
// "Working on it" card becomes "Done" when the agent reports, even if the
// service restarted in between, because the reference lives in the store.
//
// botbuilder hands an error thrown inside continueConversationAsync to the
// adapter's onTurnError and returns as if all went well. Every send here
// catches its own error inside the callback and throws it again after, so the
// code that asked always learns whether the message went out.
import { CloudAdapter, type ConversationParameters, type ConversationReference, type TurnContext } from 'botbuilder';
import { cardAttachment, type AdaptiveCard } from '../../cards';
import { ResetDeskError } from '../errors';
import type { CardLocation, CardMessenger, ChannelPost } from '../journey/ports';
import type { Store } from '../store';
import type { KnownReferences } from './known-references';

/** A send that did not go out: the connector refused or could not be reached. */
export function sendFailed(what: string, cause: unknown): ResetDeskError {
  const status = (cause as { statusCode?: unknown }).statusCode;
  const code = (cause as { code?: unknown }).code;
  return new ResetDeskError('TEAMS_SEND_FAILED', `Teams did not take the ${what}.`, {
    ...(typeof status === 'number' ? { status } : {}),
    ...(typeof code === 'string' ? { cause: code.slice(0, 80) } : {}),
  }, { cause });
}

export function createCardMessenger(adapter: CloudAdapter, store: Store, appId: string | undefined, references: KnownReferences): CardMessenger {
  async function referenceOf(tenantId: string, aadObjectId: string): Promise<Partial<ConversationReference> | null> {
    const known = references.recall(tenantId, aadObjectId);
    if (known) return known as unknown as Partial<ConversationReference>;
    const record = await store.getConversationReference(tenantId, aadObjectId);
    if (!record) return null;
    references.read(tenantId, aadObjectId, record.reference);
    return record.reference as unknown as Partial<ConversationReference>;
  }

  /** Sends to the person; a failure may mean their reference moved on, so the next try reads it again. */
  async function toPerson<T>(tenantId: string, aadObjectId: string, reference: Partial<ConversationReference>, what: string, send: (context: TurnContext) => Promise<T>): Promise<T> {
    try {
      return await inConversation(reference, what, send);
    } catch (err) {
      references.forget(tenantId, aadObjectId);
      throw err;
    }
  }

  /** Runs `send` in the conversation and rethrows what it threw (botbuilder would swallow it). */
  async function inConversation<T>(reference: Partial<ConversationReference>, what: string, send: (context: TurnContext) => Promise<T>): Promise<T> {
    let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    await adapter.continueConversationAsync(appId ?? '', reference, async (context) => {
      try {
        result = { ok: true, value: await send(context) };
      } catch (error) {
        result = { ok: false, error };
      }
    }).catch((error: unknown) => {
      result ??= { ok: false, error };
    });
    if (!result) throw sendFailed(what, new Error('no turn ran'));
    if (!result.ok) throw sendFailed(what, result.error);
    return result.value;
  }

  function channelReference(channel: { tenantId: string; channelId: string; serviceUrl: string }): Partial<ConversationReference> {
    return {
      channelId: 'msteams',
      serviceUrl: channel.serviceUrl,
      conversation: { id: channel.channelId, isGroup: true, conversationType: 'channel', tenantId: channel.tenantId, name: '' },
    };
  }

  return {
    async updateCard(at: CardLocation, card: AdaptiveCard): Promise<void> {
      const reference = await referenceOf(at.tenantId, at.aadObjectId);
      if (!reference) throw new ResetDeskError('TEAMS_NO_CONVERSATION', 'We cannot reach this person in Teams yet.');
      await toPerson(at.tenantId, at.aadObjectId, reference, 'card update', (context) => context.updateActivity({ type: 'message', id: at.activityId, attachments: [cardAttachment(card)] }));
    },
    async sendCardToPerson(tenantId: string, aadObjectId: string, card: AdaptiveCard): Promise<CardLocation | null> {
      const reference = await referenceOf(tenantId, aadObjectId);
      if (!reference) return null;
      const sent = await toPerson(tenantId, aadObjectId, reference, 'message', (context) => context.sendActivity({ attachments: [cardAttachment(card)] }));
      if (!sent?.id) throw sendFailed('message', new Error('no activity id came back'));
      return { tenantId, aadObjectId, activityId: sent.id };
    },
    async openPersonalChat(tenantId: string, teamsUserId: string, serviceUrl: string, card: AdaptiveCard): Promise<CardLocation | null> {
      let location: CardLocation | null = null;
      let failure: unknown;
      const parameters: ConversationParameters = {
        isGroup: false,
        bot: { id: appId ? `28:${appId}` : 'resetdesk', name: 'ResetDesk' },
        members: [{ id: teamsUserId, name: '' }],
        tenantId,
        channelData: { tenant: { id: tenantId } },
      };
      await adapter.createConversationAsync(appId ?? '', 'msteams', serviceUrl, 'https://api.botframework.com', parameters, async (context) => {
        try {
          const sent = await context.sendActivity({ attachments: [cardAttachment(card)] });
          const aad = context.activity.from?.aadObjectId ?? '';
          if (sent?.id) location = { tenantId, aadObjectId: aad, activityId: sent.id };
        } catch (err) {
          failure = err;
        }
      }).catch((err: unknown) => {
        failure ??= err;
      });
      if (failure) throw sendFailed('new chat', failure);
      return location;
    },
    async canReachPerson(tenantId: string, aadObjectId: string): Promise<boolean> {
      // Teams lets a bot message a person 1:1 once it knows their conversation (they opened the bot, or it was installed for them).
      return (await referenceOf(tenantId, aadObjectId)) !== null;
    },
    async postToChannel(channel, card: AdaptiveCard): Promise<ChannelPost> {
      const sent = await inConversation(channelReference(channel), 'channel post', (context) => context.sendActivity({ attachments: [cardAttachment(card)] }));
      if (!sent?.id) throw sendFailed('channel post', new Error('no activity id came back'));
      return { channelId: channel.channelId, serviceUrl: channel.serviceUrl, activityId: sent.id };
    },
    async updateChannelCard(post: ChannelPost & { tenantId: string }, card: AdaptiveCard): Promise<void> {
      await inConversation(channelReference(post), 'channel card update', (context) =>
        context.updateActivity({ type: 'message', id: post.activityId, attachments: [cardAttachment(card)] }));
    },
  };
}
