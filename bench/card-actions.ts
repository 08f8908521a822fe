// Card actions per second and their latency through the real HTTP endpoint.
//
//   npx tsx bench/card-actions.ts [--seconds 10] [--engines pglite,postgres]
//
// The step measured is a one-time-code submission (`verify.submitCode`, a
// wrong code): it authorises the click, checks the code against its salted
// hash, saves the challenge, rotates the step token and appends two audit
// entries, all persisted before the card is returned. The baseline, in the
// same run, is a bare botbuilder + restify bot answering the same invoke with a
// fixed card. 10 concurrent requests (closed loop). Needs PostgreSQL on
// 127.0.0.1:5432 for the postgres run.
import { randomUUID, createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { generateServiceSigningKey, ServiceSigningKey } from '../bot/writeback/crypto';
import { createWritebackChannel } from '../bot/writeback';
import { openCodeChallenge, DEFAULT_CODE_POLICY } from '../bot/domain/verification/one-time-code';
import { issueStepToken } from '../bot/domain/step-token';
import type { StoreEngineKind } from '../bot/store';
import { startBotHarness, type BotHarness } from '../test/support/bot-harness';
import { fakeUser } from '../test/support/fake-graph';
import { findAction, type CardJson } from '../test/support/teams-client';
import { startBareBot } from './bare-bot';
import { formatResult, runLoad, type LoadResult } from './load';

const CONCURRENCY = 10;
const TRIES_PER_REQUEST = 90;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function invokeBody(serviceUrl: string, tenantId: string, aad: string, verb: string, data: Record<string, unknown>): string {
  return JSON.stringify({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${aad}`, aadObjectId: aad, name: 'Bench User' },
    recipient: { id: '28:bot', name: 'ResetDesk' },
    conversation: { id: `a:${aad}`, conversationType: 'personal', tenantId },
    channelData: { tenant: { id: tenantId } },
    replyToId: 'card-1',
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  });
}

async function post(url: string, body: string): Promise<{ status: number; json: { value?: CardJson } }> {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as { value?: CardJson } };
}

async function benchBare(durationMs: number): Promise<LoadResult> {
  const bare = await startBareBot();
  const tenant = randomUUID();
  try {
    return await runLoad('bare botbuilder + restify', { concurrency: CONCURRENCY, durationMs, warmupMs: 1000 }, async () => {
      const r = await post(bare.url, invokeBody('http://127.0.0.1:9/', tenant, 'aad-bench', 'verify.submitCode', { requestId: randomUUID(), stepToken: 'x'.repeat(43), code: '000000' }));
      return r.status === 200;
    });
  } finally {
    await bare.close();
  }
}

interface Lane {
  aad: string;
  requests: Array<{ id: string; stepToken: string }>;
  current: number;
  used: number;
}

async function seedLane(h: BotHarness, pepper: Buffer): Promise<Lane> {
  const user = fakeUser({ displayName: 'Bench User' });
  h.graph.addUser(user);
  const requests: Lane['requests'] = [];
  for (let i = 0; i < 40; i++) {
    const id = randomUUID();
    const stepToken = issueStepToken();
    const now = new Date();
    await h.app.store.createRequest(
      {
        id, tenantId: h.graph.tenantId, ownerAadId: user.id, kind: 'reset', state: 'verifying', methodsRequired: 1,
        subject: { onPremisesSid: user.onPremisesSecurityIdentifier!, samAccountName: user.onPremisesSamAccountName!, upn: user.userPrincipalName, displayName: user.displayName, domain: 'contoso.example' },
        stepToken, expiresAt: new Date(now.getTime() + 3_600_000),
      },
      { actor: { kind: 'user', id: user.id }, action: 'request.created', requestId: id },
    );
    const { challenge, code } = openCodeChallenge({ method: 'email', requestId: id, maskedTarget: 'b•••@contoso.example', policy: DEFAULT_CODE_POLICY, pepper, now });
    if (code === '000000') continue;
    await h.app.store.createChallenge({
      id: challenge.id, requestId: id, method: 'email', maskedTarget: challenge.maskedTarget, codeHash: challenge.codeHash, codeSalt: challenge.codeSalt,
      digits: challenge.digits, maxAttempts: 100, expiresAt: challenge.expiresAt,
    });
    requests.push({ id, stepToken });
  }
  return { aad: user.id, requests, current: 0, used: 0 };
}

async function benchResetDesk(engine: StoreEngineKind, durationMs: number): Promise<LoadResult> {
  const { privateJwk } = await generateServiceSigningKey();
  const signingKey = await ServiceSigningKey.fromJwk(privateJwk);
  const h = await startBotHarness({
    engine,
    graph: {},
    env: { LOG_LEVEL: 'warn' },
    writeback: async (store, logger, metrics) => createWritebackChannel({ store, signingKey, audience: 'resetdesk:bench', logger, metrics }),
  });
  try {
    const pepper = createHash('sha256').update(h.config.codePepper).digest();
    const lanes = await Promise.all(Array.from({ length: CONCURRENCY }, () => seedLane(h, pepper)));
    return await runLoad(`ResetDesk code submission (${engine})`, { concurrency: CONCURRENCY, durationMs, warmupMs: 1000 }, async (worker) => {
      const lane = lanes[worker]!;
      if (lane.used >= TRIES_PER_REQUEST) {
        lane.current++;
        lane.used = 0;
      }
      const req = lane.requests[lane.current];
      if (!req) throw new Error('bench ran out of seeded requests; seed more');
      const r = await post(h.url, invokeBody(h.connector.serviceUrl, h.graph.tenantId, lane.aad, 'verify.submitCode', { requestId: req.id, stepToken: req.stepToken, code: '000000' }));
      lane.used++;
      const next = r.json.value ? findAction(r.json.value, 'verify.submitCode') : undefined;
      if (r.status !== 200 || !next?.data) {
        if (process.env.BENCH_DEBUG) console.error(r.status, JSON.stringify(r.json).slice(0, 600));
        return false;
      }
      req.stepToken = String(next.data.stepToken);
      return true;
    });
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const durationMs = Number(arg('seconds', '10')) * 1000;
  const engines = arg('engines', 'pglite,postgres').split(',') as StoreEngineKind[];
  const t0 = performance.now();
  const bare = await benchBare(durationMs);
  console.log(formatResult(bare));
  for (const engine of engines) {
    const ours = await benchResetDesk(engine, durationMs);
    console.log(formatResult(ours));
    const ratio = ours.perSecond / bare.perSecond;
    const ok = ratio >= 0.5 && ours.p99Ms < 50;
    console.log(`  ratio to bare bot: ${ratio.toFixed(2)}x (target >= 0.5x), p99 ${ours.p99Ms.toFixed(1)} ms (target < 50 ms): ${ok ? 'MET' : 'NOT MET'}`);
  }
  console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
