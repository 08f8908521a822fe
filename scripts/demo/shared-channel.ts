// A stand-in for the Teams service behind one channel: in Teams every member
// of a team sees the same channel post, but each Agents Playground instance
// has its own copy of the channel (one instance is one person). The bot posts
// approval cards here (RESETDESK_TEAMS_SERVICE_URL); this server passes every
// post and every update on to the Playground of each channel member, and
// answers with an activity id of its own, mapped to the id each instance gave.
// So Megan and Nestor both see a Domain Admin's request, and a card updated
// after Megan's approval is updated for Nestor too.
//
// Clicks do not pass here: each Playground sends its invokes to the bot
// itself, with its own connector as the serviceUrl.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';

export interface ChannelMember {
  name: string;
  /** The member's Playground connector (`http://127.0.0.1:<port>/_connector`). */
  serviceUrl: string;
}

export interface SharedChannel {
  /** Give the bot this as its Teams service URL. */
  serviceUrl: string;
  close(): Promise<void>;
}

interface Post {
  /** The id handed to the bot. */
  shared: string;
  /** The id each member's Playground gave the same post. */
  local: Map<string, string>;
}

const ACTIVITY_PATH = /^\/_connector\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/;

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

/** `members()` is asked at every request: instances may come and go. */
export async function startSharedChannel(members: () => ChannelMember[]): Promise<SharedChannel> {
  const posts: Post[] = [];
  let sequence = 0;

  const postOf = (id: string): Post | undefined => posts.find((p) => p.shared === id) ?? posts.find((p) => [...p.local.values()].includes(id));
  /** What `member` calls the post the bot (or another member's click) calls `id`. */
  const localId = (member: string, id: string): string => postOf(id)?.local.get(member) ?? id;
  const localConversation = (member: string, conversation: string): string =>
    conversation.replace(/;messageid=([^;]+)/, (_, id: string) => `;messageid=${localId(member, id)}`);

  async function forward(member: ChannelMember, method: string, conversation: string, activityId: string | undefined, body: string) {
    let payload = body;
    if (body) {
      const activity = JSON.parse(body) as { id?: string; replyToId?: string; conversation?: { id?: string } };
      if (activity.id) activity.id = localId(member.name, activity.id);
      if (activity.replyToId) activity.replyToId = localId(member.name, activity.replyToId);
      if (activity.conversation?.id) activity.conversation.id = localConversation(member.name, activity.conversation.id);
      payload = JSON.stringify(activity);
    }
    const path = `/v3/conversations/${encodeURIComponent(localConversation(member.name, conversation))}/activities${activityId ? `/${encodeURIComponent(localId(member.name, activityId))}` : ''}`;
    try {
      const res = await fetch(`${member.serviceUrl}${path}`, {
        method,
        headers: payload ? { 'content-type': 'application/json' } : {},
        ...(payload ? { body: payload } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      return { member: member.name, status: res.status, text: await res.text() };
    } catch (err) {
      return { member: member.name, status: 502, text: JSON.stringify({ error: { code: 'MemberUnreachable', message: (err as Error).message } }) };
    }
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const m = ACTIVITY_PATH.exec(url.pathname);
      const body = await text(req);
      const everyone = members();
      if (!m || everyone.length === 0) {
        send(res, 404, JSON.stringify({ error: { code: 'ConversationNotFound', message: 'Not a channel this stand-in serves.' } }));
        return;
      }
      const conversation = decodeURIComponent(m[1]!);
      const activityId = m[2] ? decodeURIComponent(m[2]) : undefined;
      const method = req.method ?? 'GET';
      const answers = await Promise.all(everyone.map((member) => forward(member, method, conversation, activityId, body)));
      const ok = answers.filter((a) => a.status >= 200 && a.status < 300);
      if (ok.length === 0) {
        send(res, answers[0]!.status, answers[0]!.text);
        return;
      }
      // A new post or a reply in a thread: one id for the bot, each member's own id kept.
      if (method === 'POST') {
        sequence += 1;
        const post: Post = { shared: `channel-post-${sequence}`, local: new Map() };
        for (const a of ok) {
          const id = (JSON.parse(a.text || '{}') as { id?: string }).id;
          if (id) post.local.set(a.member, id);
        }
        posts.push(post);
        send(res, ok[0]!.status, JSON.stringify({ id: post.shared }));
        return;
      }
      send(res, ok[0]!.status, JSON.stringify({ id: activityId ? (postOf(activityId)?.shared ?? activityId) : '' }));
    })().catch((err: unknown) => send(res, 500, JSON.stringify({ error: { code: 'StandInFailed', message: (err as Error).message } })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/_connector`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
