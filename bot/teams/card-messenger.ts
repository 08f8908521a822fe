// Proactive card updates through the stored conversation references: the
// "Working on it" card becomes "Done" when the agent reports, even if the
// service restarted in between, because the reference lives in the store.
import { CloudAdapter, type ConversationReference } from 'botbuilder';
import { cardAttachment, type AdaptiveCard } from '../../cards';
import { ResetDeskError } from '../errors';
import type { CardLocation, CardMessenger } from '../journey/ports';
import type { Store } from '../store';

export function createCardMessenger(adapter: CloudAdapter, store: Store, appId: string | undefined): CardMessenger {
  async function referenceOf(tenantId: string, aadObjectId: string): Promise<Partial<ConversationReference> | null> {
    const record = await store.getConversationReference(tenantId, aadObjectId);
    return record ? (record.reference as unknown as Partial<ConversationReference>) : null;
  }
  return {
    async updateCard(at: CardLocation, card: AdaptiveCard): Promise<void> {
      const reference = await referenceOf(at.tenantId, at.aadObjectId);
      if (!reference) throw new ResetDeskError('TEAMS_NO_CONVERSATION', 'We cannot reach this person in Teams yet.');
      await adapter.continueConversationAsync(appId ?? '', reference, async (context) => {
        await context.updateActivity({ type: 'message', id: at.activityId, attachments: [cardAttachment(card)] });
      });
    },
    async sendCardToPerson(tenantId: string, aadObjectId: string, card: AdaptiveCard): Promise<CardLocation | null> {
      const reference = await referenceOf(tenantId, aadObjectId);
      if (!reference) return null;
      let activityId: string | undefined;
      await adapter.continueConversationAsync(appId ?? '', reference, async (context) => {
        activityId = (await context.sendActivity({ attachments: [cardAttachment(card)] }))?.id;
      });
      return activityId ? { tenantId, aadObjectId, activityId } : null;
    },
    async canReachPerson(tenantId: string, aadObjectId: string): Promise<boolean> {
      // Teams lets a bot message a person 1:1 once it knows their conversation (they opened the bot, or it was installed for them).
      return (await referenceOf(tenantId, aadObjectId)) !== null;
    },
    async postToChannel(channel, card: AdaptiveCard): Promise<void> {
      const reference: Partial<ConversationReference> = {
        channelId: 'msteams',
        serviceUrl: channel.serviceUrl,
        conversation: { id: channel.channelId, isGroup: true, conversationType: 'channel', tenantId: channel.tenantId, name: '' },
      };
      await adapter.continueConversationAsync(appId ?? '', reference, async (context) => {
        await context.sendActivity({ attachments: [cardAttachment(card)] });
      });
    },
  };
}
