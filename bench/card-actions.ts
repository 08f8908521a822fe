// Card actions per second and their latency through the real HTTP endpoint.
//
//   npx tsx bench/card-actions.ts [--seconds 8] [--rounds 3] [--engines pglite,postgres] [--pglite folder|memory] [--load wrk|node]
//
// The step measured is a one-time-code submission (`verify.submitCode`, a
// wrong code): it authorises the click, checks the code against its salted
// hash, saves the challenge, rotates the step token and appends the audit
// entry, all persisted before the card is returned. The baseline, in the same
// run, is a bare botbuilder + restify bot answering the same invoke with a
// fixed card; each round measures the two back to back, and the verdict is on
// the median round. 10 concurrent requests (closed loop), sent by wrk in its own
// process (`apt-get install wrk`), or with --load node by a Node.js client on
// a worker thread of this process. Needs PostgreSQL on 127.0.0.1:5432 for the
// postgres run.
import { randomUUID, createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateServiceSigningKey, ServiceSigningKey } from '../bot/writeback/crypto';
import { createWritebackChannel } from '../bot/writeback';
import { openCodeChallenge, DEFAULT_CODE_POLICY } from '../bot/domain/verification/one-time-code';
import { issueStepToken } from '../bot/domain/step-token';
import type { StoreEngineKind } from '../bot/store';
import { startBotHarness, type BotHarness } from '../test/support/bot-harness';
import { fakeUser } from '../test/support/fake-graph';
import { startBareBot } from './bare-bot';
import { formatResult, runInvokeLoad, runWrkLoad, type InvokeLoad, type Lane, type LoadResult } from './load';

const CONCURRENCY = 10;
const TRIES_PER_REQUEST = 90;

type Generator = 'wrk' | 'node';

function drive(generator: Generator, label: string, load: InvokeLoad & { warmupLanes?: Lane[] }): Promise<LoadResult> {
  return generator === 'wrk' ? runWrkLoad(label, load) : runInvokeLoad(label, load);
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function benchBare(generator: Generator, bare: { url: string }, durationMs: number): Promise<LoadResult> {
  return drive(generator, 'bare botbuilder + restify', {
    url: bare.url, serviceUrl: 'http://127.0.0.1:9/', tenantId: randomUUID(), verb: 'verify.submitCode', inputs: { code: '000000' },
    lanes: Array.from({ length: CONCURRENCY }, () => ({ aadObjectId: randomUUID(), requests: [] })),
    clicksPerRequest: TRIES_PER_REQUEST, durationMs, warmupMs: 1000,
  });
}

/** One simulated person with enough open requests, each waiting for a code, for the whole run. */
async function seedLane(h: BotHarness, pepper: Buffer, requestsPerLane: number): Promise<Lane> {
  const user = fakeUser({ displayName: 'Bench User' });
  h.graph.addUser(user);
  const requests: Lane['requests'] = [];
  while (requests.length < requestsPerLane) {
    const id = randomUUID();
    const stepToken = issueStepToken();
    const now = new Date();
    const { challenge, code } = openCodeChallenge({ method: 'email', requestId: id, maskedTarget: 'b•••@contoso.example', policy: DEFAULT_CODE_POLICY, pepper, now });
    if (code === '000000') continue;
    await h.app.store.createRequest(
      {
        id, tenantId: h.graph.tenantId, ownerAadId: user.id, kind: 'reset', state: 'verifying', methodsRequired: 1,
        subject: { onPremisesSid: user.onPremisesSecurityIdentifier!, samAccountName: user.onPremisesSamAccountName!, upn: user.userPrincipalName, displayName: user.displayName, domain: 'contoso.example' },
        stepToken, step: 'enter_code', expiresAt: new Date(now.getTime() + 3_600_000),
      },
      { actor: { kind: 'user', id: user.id }, action: 'request.created', requestId: id },
    );
    // More tries than policy allows (5), so one request can absorb a lane's clicks; the path taken is the same.
    await h.app.store.createChallenge({
      id: challenge.id, requestId: id, method: 'email', maskedTarget: challenge.maskedTarget, codeHash: challenge.codeHash, codeSalt: challenge.codeSalt,
      digits: challenge.digits, maxAttempts: 100, expiresAt: challenge.expiresAt,
    });
    requests.push({ id, stepToken });
  }
  return { aadObjectId: user.id, requests };
}

async function startResetDesk(engine: StoreEngineKind, pgliteDataDir: string | undefined): Promise<{ h: BotHarness; pepper: Buffer }> {
  const { privateJwk } = await generateServiceSigningKey();
  const signingKey = await ServiceSigningKey.fromJwk(privateJwk);
  const h = await startBotHarness({
    engine,
    ...(pgliteDataDir ? { pgliteDataDir } : {}),
    graph: {},
    // The bench answers the same requests with wrong codes all the time; the per-person limit would end that at the tenth.
    env: { LOG_LEVEL: 'warn', RESETDESK_LIMIT_WRONG_CODES: '999999/1m' },
    writeback: async (store, logger, metrics) => createWritebackChannel({ store, signingKey, audience: 'resetdesk:bench', logger, metrics }),
  });
  return { h, pepper: createHash('sha256').update(h.config.codePepper!).digest() };
}

async function benchResetDesk(generator: Generator, { h, pepper }: { h: BotHarness; pepper: Buffer }, engine: StoreEngineKind, durationMs: number, expectedPerSecond: number): Promise<LoadResult> {
  const perLane = Math.ceil((expectedPerSecond * (durationMs + 2000)) / 1000 / CONCURRENCY / TRIES_PER_REQUEST) + 2;
  const lanes: Lane[] = [];
  for (let i = 0; i < CONCURRENCY; i++) lanes.push(await seedLane(h, pepper, perLane));
  // wrk warms up in a run of its own, on requests of its own.
  const warmupLanes: Lane[] = [];
  if (generator === 'wrk') for (let i = 0; i < CONCURRENCY; i++) warmupLanes.push(await seedLane(h, pepper, Math.ceil(perLane / 3) + 1));
  return drive(generator, `ResetDesk code submission (${engine})`, {
    url: h.url, serviceUrl: h.connector.serviceUrl, tenantId: h.graph.tenantId, verb: 'verify.submitCode', inputs: { code: '000000' },
    lanes, warmupLanes, clicksPerRequest: TRIES_PER_REQUEST, durationMs, warmupMs: 1000,
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const durationMs = Number(arg('seconds', '8')) * 1000;
  const rounds = Number(arg('rounds', '3'));
  const engines = arg('engines', 'pglite,postgres').split(',') as StoreEngineKind[];
  const generator = arg('load', 'wrk') as Generator;
  if (generator !== 'wrk' && generator !== 'node') throw new Error('--load is wrk or node');
  // PGlite keeps its data in a folder, as `npm start` does; `--pglite memory` measures it in memory.
  const pgliteIn = arg('pglite', 'folder');
  if (pgliteIn !== 'folder' && pgliteIn !== 'memory') throw new Error('--pglite is folder or memory');
  const t0 = performance.now();
  const bare = await startBareBot();
  const dataDir = await mkdtemp(join(tmpdir(), 'resetdesk-bench-data-'));
  try {
    for (const engine of engines) {
      const ours = await startResetDesk(engine, engine === 'pglite' && pgliteIn === 'folder' ? join(dataDir, 'pglite') : undefined);
      try {
        const ratios: number[] = [];
        const p99s: number[] = [];
        // The machine's speed drifts by tens of percent within minutes: each round measures the bare bot and then ResetDesk, back to back.
        for (let round = 1; round <= rounds; round++) {
          const base = await benchBare(generator, bare, durationMs);
          const result = await benchResetDesk(generator, ours, engine, durationMs, base.perSecond);
          ratios.push(result.perSecond / base.perSecond);
          p99s.push(result.p99Ms);
          console.log(`round ${round}`);
          console.log(`  ${formatResult(base)}`);
          console.log(`  ${formatResult(result)}`);
          console.log(`  ratio ${ratios.at(-1)!.toFixed(2)}x`);
        }
        const ratio = median(ratios);
        const p99 = median(p99s);
        const ok = ratio >= 0.5 && p99 < 50;
        console.log(`${engine}: median ratio to bare bot ${ratio.toFixed(2)}x (target >= 0.5x), median p99 ${p99.toFixed(1)} ms (target < 50 ms): ${ok ? 'MET' : 'NOT MET'}`);
      } finally {
        await ours.h.close();
      }
    }
  } finally {
    await bare.close();
    await rm(dataDir, { recursive: true, force: true });
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
