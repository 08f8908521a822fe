// Sends activities to the bot's real /api/messages endpoint shaped as Teams
// sends them: personal-chat messages and `adaptiveCard/action` invokes
// (Action.Execute), and reads the bot's answers back from the fake connector.
import { randomUUID } from 'node:crypto';
import type { FakeConnector, RecordedActivity } from './fake-connector';

export interface TeamsUser {
  aadObjectId: string;
  name: string;
  tenantId: string;
}

export interface CardJson {
  type: 'AdaptiveCard';
  body: unknown[];
  actions?: Array<{ type: string; verb?: string; data?: Record<string, unknown>; title?: string }>;
  [key: string]: unknown;
}

export interface InvokeResult {
  status: number;
  card: CardJson | undefined;
  body: unknown;
}

export class TeamsClient {
  readonly conversationId: string;

  private readonly conversationType: 'personal' | 'channel';

  private readonly botFrameworkChannel: string;

  /**
   * In the person's 1:1 chat with the bot, or (with `channelId`) in a team channel the bot is in.
   * `botFrameworkChannel` is the activity's channelId: Teams sends `msteams`; tests pose as other clients with it.
   */
  constructor(
    private readonly botUrl: string,
    private readonly connector: FakeConnector,
    readonly user: TeamsUser,
    opts: { channelId?: string; botFrameworkChannel?: string } = {},
    private readonly botId = '28:resetdesk-bot',
  ) {
    this.conversationId = opts.channelId ?? `a:personal-${user.aadObjectId}`;
    this.conversationType = opts.channelId ? 'channel' : 'personal';
    this.botFrameworkChannel = opts.botFrameworkChannel ?? 'msteams';
  }

  private base(): Record<string, unknown> {
    return {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      localTimestamp: new Date().toISOString(),
      serviceUrl: this.connector.serviceUrl,
      channelId: this.botFrameworkChannel,
      from: { id: `29:${this.user.aadObjectId}`, name: this.user.name, aadObjectId: this.user.aadObjectId },
      conversation: { conversationType: this.conversationType, tenantId: this.user.tenantId, id: this.conversationId, ...(this.conversationType === 'channel' ? { isGroup: true } : {}) },
      recipient: { id: this.botId, name: 'ResetDesk' },
      entities: [{ locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/Oslo', type: 'clientInfo' }],
      channelData: { tenant: { id: this.user.tenantId } },
      locale: 'en-US',
    };
  }

  /** Sends a chat message and returns the bot's reply: its card (most replies are one) or its text. */
  async say(text: string, opts: { timeoutMs?: number } = {}): Promise<{ card: CardJson; activityId: string; text: string }> {
    const before = this.connector.activities.length;
    const res = await fetch(`${this.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...this.base(), type: 'message', text, textFormat: 'plain' }),
    });
    if (res.status >= 300) throw new Error(`bot answered ${res.status} to a message`);
    const reply = await this.connector.waitFor((a) => a.conversationId === this.conversationId && a.method === 'POST', opts.timeoutMs, before);
    return { card: cardOf(reply)!, activityId: reply.assignedId, text: typeof reply.body.text === 'string' ? reply.body.text : '' };
  }

  /** Clicks an Action.Execute button (by verb) on `card`, with typed inputs; the card shown is `cardActivityId`. */
  async click(card: CardJson, verb: string, inputs: Record<string, string> = {}, cardActivityId?: string): Promise<InvokeResult> {
    const action = findAction(card, verb);
    if (!action) throw new Error(`no action with verb ${verb} on the card`);
    return this.invoke(verb, { ...(action.data ?? {}), ...inputs }, cardActivityId);
  }

  /** Opens a Teams dialog from a card button (`task/fetch` with the button's data); returns the dialog's answer. */
  async openDialog(data: Record<string, unknown>): Promise<{ status: number; card: CardJson | undefined; message: string | undefined }> {
    const res = await fetch(`${this.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...this.base(), type: 'invoke', name: 'task/fetch', value: { data, context: { theme: 'default' } } }),
    });
    const text = await res.text();
    const body = text ? (JSON.parse(text) as { task?: { type?: string; value?: unknown } }) : {};
    const task = body.task;
    const card = task?.type === 'continue' ? ((task.value as { card?: { content?: CardJson } }).card?.content) : undefined;
    return { status: res.status, card, message: task?.type === 'message' ? String(task.value) : undefined };
  }

  /** Sends an `adaptiveCard/action` invoke with exactly this data (for replays and forgeries). */
  async invoke(verb: string, data: Record<string, unknown>, cardActivityId?: string): Promise<InvokeResult> {
    const res = await fetch(`${this.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...this.base(),
        type: 'invoke',
        name: 'adaptiveCard/action',
        ...(cardActivityId ? { replyToId: cardActivityId } : {}),
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
      }),
    });
    const text = await res.text();
    const body = text ? (JSON.parse(text) as { type?: string; value?: CardJson }) : undefined;
    return { status: res.status, body, card: body?.type === 'application/vnd.microsoft.card.adaptive' ? body.value : undefined };
  }
}

export function cardOf(activity: RecordedActivity | undefined): CardJson | undefined {
  const attachments = (activity?.body.attachments ?? []) as Array<{ contentType: string; content: CardJson }>;
  return attachments.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

function walkActions(node: unknown, out: Array<{ type: string; verb?: string; data?: Record<string, unknown> }>): void {
  if (Array.isArray(node)) {
    node.forEach((n) => walkActions(n, out));
    return;
  }
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.Execute') out.push(o as { type: string; verb?: string; data?: Record<string, unknown> });
    Object.values(o).forEach((v) => walkActions(v, out));
  }
}

/** Every Action.Execute on the card, wherever it sits (in action sets, columns, show-cards). */
export function allActions(card: CardJson): Array<{ type: string; verb?: string; title?: string; data?: Record<string, unknown> }> {
  const actions: Array<{ type: string; verb?: string; data?: Record<string, unknown> }> = [];
  walkActions(card, actions);
  return actions;
}

export function findAction(card: CardJson, verb: string): { type: string; verb?: string; data?: Record<string, unknown> } | undefined {
  const actions: Array<{ type: string; verb?: string; data?: Record<string, unknown> }> = [];
  walkActions(card, actions);
  return actions.find((a) => a.verb === verb);
}

/** All visible text of a card, for assertions that read like what a person sees. */
export function cardText(card: CardJson | undefined): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'label', 'placeholder']) if (typeof o[key] === 'string') parts.push(o[key] as string);
      // A FactSet's facts are {title, value} with no type; their values are what a person reads.
      if (o.type === undefined && typeof o.title === 'string' && typeof o.value === 'string') parts.push(o.value);
      Object.entries(o).forEach(([k, v]) => k !== 'data' && walk(v));
    }
  };
  walk(card);
  return parts.join('\n');
}
