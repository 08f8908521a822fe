// Stands in for the Bot Framework connector service: the bot's replies,
// proactive messages and in-place card updates arrive here, as they would at
// https://smba.trafficmanager.net/... for Teams.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface RecordedActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** Activity id the bot replied to (POST .../activities/{id}) or updated (PUT). */
  activityId: string | undefined;
  /** The id the connector assigned (POST) or the updated id (PUT). */
  assignedId: string;
  body: Record<string, unknown>;
  rawBody: string;
  /** When it arrived (performance.timeOrigin + performance.now(), in ms): comparable across processes on this machine. */
  at?: number;
}

/** A request the connector holds unanswered (see hold()): who sent it, from which local port. */
export interface HeldRequest {
  method: string;
  conversationId: string;
  activityId: string | undefined;
  body: Record<string, unknown>;
  /** The sender's port: with pidOfLocalPort, the process that sent it. */
  remotePort: number;
  /** Resolves when the sender went away before an answer. */
  gone: Promise<void>;
}

export interface FakeConnector {
  serviceUrl: string;
  activities: RecordedActivity[];
  /** 1:1 chats the bot opened (POST /v3/conversations), with what it asked for. */
  createdConversations: Array<{ id: string; parameters: Record<string, unknown> }>;
  /** Every raw request body the connector received, for canary checks. */
  rawBodies(): string;
  /** Waits until `predicate` holds for a recorded activity; returns it. */
  waitFor(predicate: (a: RecordedActivity) => boolean, timeoutMs?: number, fromIndex?: number): Promise<RecordedActivity>;
  /** Latest version of the activity (card) with this id, after any updates. */
  latest(activityId: string): RecordedActivity | undefined;
  /** Makes the next `count` requests fail with `status` (to test retries and outages). */
  failNext(count: number, status: number): void;
  /**
   * Holds requests that match `predicate`, unanswered and unrecorded, until
   * release(): as if Teams were slow, so a test can kill the sender while its
   * request is in flight. Resolves with the first one held.
   */
  hold(predicate: (r: Omit<HeldRequest, 'remotePort' | 'gone'>) => boolean): Promise<HeldRequest>;
  /** Lets held requests through (those whose sender is still there are recorded and answered). */
  release(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeConnector(): Promise<FakeConnector> {
  const activities: RecordedActivity[] = [];
  const createdConversations: Array<{ id: string; parameters: Record<string, unknown> }> = [];
  const waiters: Array<() => void> = [];
  let failures = 0;
  let failStatus = 500;
  let holding: { predicate: (r: Omit<HeldRequest, 'remotePort' | 'gone'>) => boolean; first: (r: HeldRequest) => void } | undefined;
  let held: Array<() => void> = [];

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    if (failures > 0) {
      failures--;
      res.writeHead(failStatus, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"ServiceError"}}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/v3/conversations') {
      // A bot opening a 1:1 chat with someone it has none with yet (Teams answers with the new conversation's id).
      const params = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const id = `a:created-${randomUUID()}`;
      createdConversations.push({ id, parameters: params });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id }));
      return;
    }
    const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m || (req.method !== 'POST' && req.method !== 'PUT')) {
      // Teams member/conversation lookups are not used by ResetDesk.
      res.writeHead(404);
      res.end();
      return;
    }
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const conversationId = decodeURIComponent(m[1]!);
    const activityId = m[2] ? decodeURIComponent(m[2]) : undefined;
    if (holding?.predicate({ method: req.method!, conversationId, activityId, body })) {
      let senderGone = false;
      const gone = new Promise<void>((resolve) => res.once('close', () => {
        if (res.writableEnded) return;
        senderGone = true;
        resolve();
      }));
      holding.first({ method: req.method!, conversationId, activityId, body, remotePort: req.socket.remotePort!, gone });
      await new Promise<void>((resolve) => held.push(resolve));
      if (senderGone) return; // the sender died waiting: it never reached Teams
    }
    const assignedId = req.method === 'PUT' ? activityId! : randomUUID();
    activities.push({ method: req.method as 'POST' | 'PUT', conversationId, activityId, assignedId, body, rawBody: raw, at: performance.timeOrigin + performance.now() });
    waiters.splice(0).forEach((w) => w());
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: assignedId }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    activities,
    createdConversations,
    rawBodies: () => activities.map((a) => a.rawBody).join('\n'),
    async waitFor(predicate, timeoutMs = 10_000, fromIndex = 0) {
      const deadline = Date.now() + timeoutMs;
      // Each wake scans only what arrived since the last look: 300 people waiting at once over
      // thousands of recorded activities made whole-list scans the bench's busiest work.
      let next = fromIndex;
      for (;;) {
        for (; next < activities.length; next++) if (predicate(activities[next]!)) return activities[next]!;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fake connector: no matching activity within ${timeoutMs} ms (got ${activities.length})`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    latest(activityId) {
      return [...activities].reverse().find((a) => a.assignedId === activityId);
    },
    failNext(count, status) {
      failures = count;
      failStatus = status;
    },
    hold(predicate) {
      return new Promise<HeldRequest>((resolve) => {
        let said = false;
        holding = { predicate, first: (r) => !said && ((said = true), resolve(r)) };
      });
    },
    release() {
      holding = undefined;
      const waiting = held;
      held = [];
      for (const go of waiting) go();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
