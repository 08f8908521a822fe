// Messages to the bot in a channel (or a group chat). Password help never
// happens in front of colleagues: the bot answers there only that it has
// written to the person privately, and the menu goes to their 1:1 chat. The
// one command that belongs in a channel: an admin setting it as the approver
// channel.
import { isResetDeskError } from '../errors';
import type { Actor, JourneyDeps } from './journey-deps';
import { APPROVER_CHANNEL_SETTING } from './request-approval';
import { showMenu } from './start';
import { render } from './views';

export interface ChannelPlace {
  /** The channel's id, without the thread suffix (`;messageid=…`) Teams adds to posts. */
  channelId: string;
  serviceUrl: string;
  /** The person's Teams id (29:…), to open a 1:1 chat with them when the bot has none yet. */
  teamsUserId: string;
}

/** The text of a post without the @mentions (`<at>ResetDesk</at>`). */
export function withoutMentions(text: string): string {
  return text.replace(/<at>.*?<\/at>/gi, ' ').replace(/\s+/g, ' ').trim();
}

export function channelIdOf(conversationId: string): string {
  return conversationId.split(';')[0]!;
}

export async function answerInChannel(deps: JourneyDeps, actor: Actor, text: string, place: ChannelPlace): Promise<string> {
  const said = withoutMentions(text);
  if (/^set (this as )?(the )?approver channel$/i.test(said)) return setApproverChannel(deps, actor, place);
  try {
    const menu = render(await showMenu(deps, actor));
    const sent = (await deps.messenger.sendCardToPerson(actor.tenantId, actor.aadObjectId, menu))
      ?? (await deps.messenger.openPersonalChat(actor.tenantId, place.teamsUserId, place.serviceUrl, menu));
    if (sent) return "I've sent you a private message: password help happens in your own chat with me, not in front of colleagues.";
  } catch (err) {
    deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' } }, 'could not write to the person privately');
  }
  return "I can't write to you privately yet. Open a chat with ResetDesk in Teams (search for it under Apps) and say hi there.";
}

async function setApproverChannel(deps: JourneyDeps, actor: Actor, place: ChannelPlace): Promise<string> {
  const admins = deps.config.adminGroupId;
  if (!admins || !(await deps.people.isMemberOfGroup(actor.aadObjectId, admins))) {
    return 'Only members of the admin group can set the approver channel. Nothing was changed.';
  }
  await deps.store.putSetting(APPROVER_CHANNEL_SETTING, { channelId: place.channelId, serviceUrl: place.serviceUrl }, actor.aadObjectId, {
    actor: { kind: 'admin', id: actor.aadObjectId },
    action: 'settings.approver_channel_set',
    details: { channelId: place.channelId },
  });
  const warning = deps.config.approverGroupId ? '' : ' Note: no approver group is configured (RESETDESK_APPROVER_GROUP_ID), so nobody can approve yet.';
  return `Done: approval cards for privileged accounts go to this channel from now on. Only members of the approver group can decide on them.${warning}`;
}
