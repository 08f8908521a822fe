// Stands in for the Bot Framework connector service: the bot's replies,
// proactive messages and in-place card updates arrive here, as they would at
// https://smba.trafficmanager.net/... for Teams.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface RecordedActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** Activity id the bot replied to (POST .../activities/{id}) or updated (PUT). */
  activityId: string | undefined;
  /** The id the connector assigned (POST) or the updated id (PUT). */
  assignedId: string;
  body: Record<string, unknown>;
  rawBody: string;
}

export interface FakeConnector {
  serviceUrl: string;
  activities: RecordedActivity[];
  /** Every raw request body the connector received, for canary checks. */
  rawBodies(): string;
  /** Waits until `predicate` holds for a recorded activity; returns it. */
  waitFor(predicate: (a: RecordedActivity) => boolean, timeoutMs?: number): Promise<RecordedActivity>;
  /** Latest version of the activity (card) with this id, after any updates. */
  latest(activityId: string): RecordedActivity | undefined;
  /** Makes the next `count` requests fail with `status` (to test retries and outages). */
  failNext(count: number, status: number): void;
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
  const waiters: Array<() => void> = [];
  let failures = 0;
  let failStatus = 500;

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    if (failures > 0) {
      failures--;
      res.writeHead(failStatus, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"ServiceError"}}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
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
    const assignedId = req.method === 'PUT' ? activityId! : randomUUID();
    activities.push({ method: req.method as 'POST' | 'PUT', conversationId, activityId, assignedId, body, rawBody: raw });
    waiters.splice(0).forEach((w) => w());
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: assignedId }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    activities,
    rawBodies: () => activities.map((a) => a.rawBody).join('\n'),
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = activities.find(predicate);
        if (found) return found;
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
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
