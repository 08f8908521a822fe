// Store-level throughput of the step a code answer makes (read the request
// and its challenges, then the one-statement write with its audit entry),
// 10 at a time, against a plain primary-key read in the same run, with the
// database server's CPU per operation read from /proc (PostgreSQL only).
//
//   npx tsx bench/store-steps.ts [postgres|pglite]
import { randomUUID } from 'node:crypto';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { issueStepToken } from '../bot/domain/step-token';
import type { ResetRequest, StoreEngineKind } from '../bot/store';
import { createTestStore } from '../bot/store/testing';

const CONCURRENCY = 10;
const SECONDS = 4;

/** CPU ticks (1/100 s) used so far by every postgres process on the machine. */
function serverTicks(): number {
  let ticks = 0;
  let pids: string[] = [];
  try {
    pids = execSync('pgrep postgres').toString().trim().split('\n');
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* the process ended */
    }
  }
  return ticks;
}

async function main(): Promise<void> {
  const engine = (process.argv[2] ?? 'postgres') as StoreEngineKind;
  const { store, cleanup } = await createTestStore(engine);
  try {
    const rows: ResetRequest[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const id = randomUUID();
      rows.push(await store.createRequest(
        { id, tenantId: 'bench', ownerAadId: `owner-${i}`, kind: 'reset', state: 'verifying', methodsRequired: 1, stepToken: issueStepToken(), step: 'enter_code',
          subject: { onPremisesSid: 'S-1-5-21-1-2-3-1001', samAccountName: 'bench', upn: 'bench@example.test', displayName: 'Bench', domain: 'example.test' },
          expiresAt: new Date(Date.now() + 3_600_000) },
        { actor: { kind: 'user', id: `owner-${i}` }, action: 'request.created', requestId: id },
      ));
      await store.createChallenge({ requestId: id, method: 'email', maskedTarget: 'b•••@example.test', codeHash: 'a'.repeat(64), codeSalt: 'b'.repeat(32), digits: 6, maxAttempts: 100, expiresAt: new Date(Date.now() + 3_600_000) });
    }
    const run = async (label: string, op: (i: number) => Promise<unknown>): Promise<number> => {
      for (let i = 0; i < 100; i++) await op(i % CONCURRENCY);
      const t0 = serverTicks();
      const end = performance.now() + SECONDS * 1000;
      let n = 0;
      await Promise.all(rows.map(async (_, i) => {
        while (performance.now() < end) {
          await op(i);
          n += 1;
        }
      }));
      const cpu = engine === 'postgres' ? `, server CPU ${(((serverTicks() - t0) * 10_000) / n).toFixed(0)} µs each` : '';
      console.log(`${label.padEnd(34)} ${(n / SECONDS).toFixed(0).padStart(6)} /s${cpu}`);
      return n / SECONDS;
    };
    const base = await run('primary-key read (baseline)', (i) => store.getRequest(rows[i]!.id));
    const steps = await run('step: read + write with audit entry', async (i) => {
      const found = (await store.getRequestWithChallenges(rows[i]!.id))!;
      const c = found.challenges[0]!;
      rows[i] = await store.transitionFrom(found.request, { state: 'verifying', stepToken: issueStepToken(), step: 'enter_code' },
        { actor: { kind: 'user', id: `owner-${i}` }, action: 'verify.code_wrong', requestId: rows[i]!.id, details: { method: 'email' } },
        { saveChallenge: { id: c.id, expected: { status: 'pending', attempts: c.attempts, sendCount: c.sendCount },
          next: { status: 'pending', attempts: c.attempts, codeHash: c.codeHash, codeSalt: c.codeSalt, expiresAt: c.expiresAt, sendCount: c.sendCount, lastSentAt: c.lastSentAt } } });
    });
    console.log(`steps per primary-key read: ${(steps / base).toFixed(2)}; audit chain ${(await store.verifyAuditChain()).ok ? 'verifies' : 'BROKEN'}`);
  } finally {
    await cleanup();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
