// Writeback latency: from the password submission (prepare = seal + sign,
// queue) through the agent process and the Samba DC to the finished event on
// the service, against one raw ldapts LDAPS reset on the same DC.
//
//   export PATH=/opt/node24/node_modules/node/bin:$PATH
//   npx tsx bench/writeback-latency.ts [resets=50]
//
// Needs samba (the test DC is provisioned on the fly) and, with DATABASE_URL
// set, runs on that PostgreSQL instead of an in-memory PGlite. Not a jest test.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { createLogger } from '../bot/log';
import { openStore } from '../bot/store';
import { adminClient, createUser, stopTestDirectory, testDirectory } from '../test/support/test-directory';
import { writeAgentConfigFile } from '../test/agent/agent-test-config';
import { canaryPassword, enrollAgent, newSigningKey, queueForRequest, runAgent, sidOf, startReplica } from '../test/writeback/writeback-harness';

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summary(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 50);
  const ownRunDir = !process.env.RESETDESK_TEST_RUN_DIR;
  if (ownRunDir) process.env.RESETDESK_TEST_RUN_DIR = await mkdtemp(join(tmpdir(), 'resetdesk-bench-'));
  const runDir = process.env.RESETDESK_TEST_RUN_DIR!;
  const dir = await testDirectory();
  const admin = await adminClient(dir);
  const store = await openStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {});
  const logger = createLogger({ level: 'warn' });
  const replica = await startReplica({ store, signingKey: await newSigningKey(), logger });
  const configFile = await writeAgentConfigFile(dir, dir.service);
  const agent = await runAgent(configFile, await enrollAgent(store, replica.url, configFile, 'bench'));
  try {
    const user = await createUser(dir, admin, `bench${randomBytes(3).toString('hex')}`, dir.staffOu);
    const sid = await sidOf(dir, admin, user.dn);
    const target = { sid, upn: user.userPrincipalName, sam: user.sAMAccountName };

    const channel: number[] = [];
    for (let i = 0; i < n + 5; i++) {
      const t0 = performance.now();
      const { jobId } = await queueForRequest(store, replica.channel, { kind: 'reset', ...target, password: canaryPassword() });
      const event = await replica.finished(jobId);
      const ms = performance.now() - t0;
      if (event.outcome !== 'succeeded') throw new Error(`reset ${i} failed: ${event.code}`);
      if (i >= 5) channel.push(ms); // the first few warm up connections and caches
    }

    // Baseline: the same reset as one LDAPS modify on a bound connection (the agent keeps one too).
    const raw = new Client({ url: dir.url, tlsOptions: { ca: [dir.ca], servername: dir.dc.servername } });
    await raw.bind(dir.service.userPrincipalName, dir.service.password);
    const baseline: number[] = [];
    for (let i = 0; i < n + 5; i++) {
      const password = canaryPassword();
      const t0 = performance.now();
      await raw.modify(user.dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le') as unknown as string] }) })]);
      if (i >= 5) baseline.push(performance.now() - t0);
    }
    await raw.unbind();

    const c = summary(channel);
    const b = summary(baseline);
    const f = (x: number): string => `${x.toFixed(1)} ms`;
    console.log(`writeback latency over ${n} resets (${store.engine}, service + agent process + Samba DC)`);
    console.log(`  channel   median ${f(c.median)}   p99 ${f(c.p99)}`);
    console.log(`  raw LDAPS median ${f(b.median)}   p99 ${f(b.p99)}`);
    console.log(`  overhead  median ${f(c.median - b.median)}   p99 ${f(c.p99 - b.p99)}   (targets: < 25 ms, < 100 ms)`);
    console.log(`  ratio     median ${(c.median / b.median).toFixed(2)}x   p99 ${(c.p99 / b.p99).toFixed(2)}x`);
  } finally {
    await agent.stop();
    await replica.close();
    await store.close();
    await admin.unbind();
    if (ownRunDir) await stopTestDirectory(runDir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
