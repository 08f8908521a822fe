// A Monday-morning wave: N people (default 300, each a distinct account on
// the Samba DC) go through the whole journey at once over /api/messages, on
// two bot replicas sharing PostgreSQL, each a process of its own, with two
// agents (both compiled JavaScript run by plain node, as `npm start` and
// `npm run agent` run them). This process only plays the outside world: the 300 Teams
// clients, the Bot Framework connector and Graph. Checked: every
// password written exactly once (unicodePwd version +1 each) and every card
// at its final state. Reported: resets per second against raw ldapts resets
// on the same DC in the same run (before and after the wave), at the same
// concurrency read both ways: all N at once, one connection each (the
// verdict), and at the concurrency the agents write at (their lanes); p50/p99
// from the password submission to the updated card; and the agents' resident
// memory idle and under the wave.
//
//   export PATH=/opt/resetdesk-node24/node_modules/node/bin:$PATH
//   npx tsx bench/wave.ts [--people 300] [--concurrency 4] [--rounds 3] [--profile DIR]
//
// Each round takes everyone through the journey again and is measured against
// the raw waves just before and just after it; the verdict is the median
// round's ratio, since the machine's speed drifts between minutes.
//
// --profile writes CPU profiles (.cpuprofile, for Chrome's DevTools) to DIR:
// this process's (the driver) while the passwords are submitted and written,
// and each replica's and each agent's whole life, with the first round's
// submissions-to-last-card window in DIR/wave-window.json, which
// `bench/profile-summary.ts FILE --window DIR/wave-window.json` keeps to.
//
// Needs samba and PostgreSQL on 127.0.0.1:5432 (as the tests do). Not a jest test.
import { execFile, spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { DEFAULT_CONCURRENCY } from '../agent/config';
import { writeAgentConfigFile } from '../test/agent/agent-test-config';
import { codeMailedTo } from '../test/journey/journey-harness';
import { startServiceWorld, type ServiceReplica } from '../test/support/service-world';
import { cardOf, cardText, type CardJson, type TeamsClient } from '../test/support/teams-client';
import { createUser, encodePassword, passwordVersionOf, stopTestDirectory, type TestAccount } from '../test/support/test-directory';
import { entraTwinOf } from '../test/support/people';
import type { FakeGraphUser } from '../test/support/fake-graph';
import { canaryPassword } from '../test/writeback/writeback-harness';
import { percentile } from './timeline';

const REPO = resolve(__dirname, '..');
const BUILD = join(REPO, 'node_modules/.cache/resetdesk-wave-build');

function textArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** Starts the V8 profiler on this process; the function it returns stops it and writes the profile. */
async function profileThisProcess(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  const post = promisify(session.post.bind(session)) as (method: string, params?: object) => Promise<unknown>;
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * The service and the agent as they are deployed: `tsc` output run by plain
 * node, as `npm start` and `npm run agent` run them. Through tsx, the agent's
 * memory would carry the loader, and every error stack either of them formats
 * would be mapped back to the sources.
 */
async function buildServiceAndAgent(): Promise<{ service: string; agent: string }> {
  await mkdir(BUILD, { recursive: true });
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', join(REPO, 'bot/tsconfig.build.json'), '--outDir', join(BUILD, 'out'), '--sourceMap', 'false'], { cwd: REPO })
    .catch((err: Error & { stdout?: string }) => {
      // tsc prints its errors on stdout, which execFile's message leaves out.
      throw new Error(`the build failed (bot/tsconfig.build.json):\n${err.stdout ?? err.message}`);
    });
  return { service: join(BUILD, 'out/bot/main.js'), agent: join(BUILD, 'out/agent/cli.js') };
}

interface RunningAgent {
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

async function runCompiledAgent(cli: string, configFile: string, stateDir: string, concurrency: number, profileDir?: string): Promise<RunningAgent> {
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profiling, cli, 'run', '--config', configFile, '--state-dir', stateDir], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, RESETDESK_AGENT_CONCURRENCY: String(concurrency) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('waiting for jobs')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the agent did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { pid: child.pid!, output: () => out, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** CPU seconds (user + system) used so far by `root` and every process below it. */
async function treeCpuSeconds(root: number): Promise<number> {
  const ticks = 100; // USER_HZ on Linux
  const procs: Array<{ pid: number; ppid: number; cpu: number }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name is in parentheses and may hold spaces: read the fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 13) continue;
    procs.push({ pid: Number(entry), ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / ticks });
  }
  const inTree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!inTree.has(p.pid) && inTree.has(p.ppid)) (inTree.add(p.pid), (grew = true));
  }
  return procs.filter((p) => inTree.has(p.pid)).reduce((sum, p) => sum + p.cpu, 0);
}

/** CPU seconds of every PostgreSQL server process now, by pid (backends come and go; compare pid by pid). */
async function postgresCpuByPid(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim() !== 'postgres') continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length >= 13) out.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return out;
}

/** CPU the PostgreSQL server spent since `before` (a backend that exited meanwhile is not counted: a floor). */
function postgresCpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, cpu] of after) sum += cpu - (before.get(pid) ?? 0);
  return sum;
}

/** CPU time the whole machine spent busy (every process, the kernel's work included), from /proc/stat. */
async function machineBusySeconds(): Promise<number> {
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait.
  return (cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!) / 100;
}

interface RawWave {
  perSecond: number;
  /** CPU seconds per reset while the modifies ran (the connections' TLS and binds before them left out). */
  sambaCpu: number;
  machineCpu: number;
}

/** Every account reset once, all at once, each over a bound LDAPS connection of its own. */
async function rawWave(dirUrl: string, ca: string, servername: string, bind: { upn: string; password: string }, accounts: TestAccount[], samba: () => Promise<number>, parallel = accounts.length): Promise<RawWave> {
  const clients: Client[] = [];
  try {
    const lanes = Math.min(parallel, accounts.length);
    for (let i = 0; i < lanes; i += 25) {
      const batch = Array.from({ length: Math.min(25, lanes - i) }, async () => {
        const c = new Client({ url: dirUrl, tlsOptions: { ca: [ca], servername }, timeout: 120_000 });
        await c.bind(bind.upn, bind.password);
        return c;
      });
      clients.push(...(await Promise.all(batch)));
    }
    const [sambaBefore, machineBefore] = [await samba(), await machineBusySeconds()];
    const t0 = performance.now();
    let next = 0;
    // Each connection takes the next account until none is left: `lanes` writes in flight at any time.
    await Promise.all(clients.map(async (c) => {
      for (let i = next++; i < accounts.length; i = next++) {
        await c.modify(accounts[i]!.dn, [
          new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(canaryPassword()) as unknown as string] }) }),
        ]);
      }
    }));
    const perSecond = accounts.length / ((performance.now() - t0) / 1000);
    return { perSecond, sambaCpu: (await samba() - sambaBefore) / accounts.length, machineCpu: (await machineBusySeconds() - machineBefore) / accounts.length };
  } finally {
    await Promise.all(clients.map((c) => c.unbind().catch(() => undefined)));
  }
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}

interface RoundResult {
  ratio: number;
  /** Against raw ldapts at the agents' concurrency (their lanes), before and after the round. */
  ratioAtLanes: number;
  summary: string;
  details: string[];
  /** Every person's card final and every password written exactly once. */
  complete: boolean;
}

interface Person {
  account: TestAccount;
  graph: FakeGraphUser;
  client: TeamsClient;
  cardId?: string;
  passwordCard?: CardJson;
  before?: number;
  submittedAt?: number;
  /** When the "Working on it" card came back: the reset is queued. */
  queuedAt?: number;
  doneAt?: number;
  problem?: string;
}

async function main(): Promise<void> {
  const people = arg('people', 300);
  // Lanes per agent: the agent's own default unless told, as a deployment runs it.
  const concurrency = arg('concurrency', DEFAULT_CONCURRENCY);
  // The machine's speed drifts by tens of percent from minute to minute; the verdict is the median round's.
  const rounds = arg('rounds', 3);
  const profileDir = textArg('profile');
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const ownRunDir = !process.env.RESETDESK_TEST_RUN_DIR;
  if (ownRunDir) process.env.RESETDESK_TEST_RUN_DIR = await mkdtemp(join(tmpdir(), 'resetdesk-wave-'));
  const runDir = process.env.RESETDESK_TEST_RUN_DIR!;
  const say = (m: string): void => void process.stderr.write(`[wave] ${m}\n`);

  say('building the service and the agent');
  const built = await buildServiceAndAgent();
  const cli = built.agent;
  say('starting the DC, two replica processes on PostgreSQL');
  // Graph's production timeout (the journey tests use a short one); the fake Graph answers everyone at once.
  // Replicas sweep as deployed (every 5 s): bot/main.ts has no other pace. They log at the default level, info.
  const world = await startServiceWorld('postgres', {
    serviceEntry: built.service,
    env: { LOG_LEVEL: 'info', GRAPH_TIMEOUT_MS: '10000', ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}) },
  });
  const replicas: ServiceReplica[] = [];
  const agents: RunningAgent[] = [];
  try {
    // Inside the try: a replica that fails to start must not leave the DC and the other replica running.
    for (let i = 0; i < 2; i++) replicas.push(await world.startReplica());
    const configFile = await writeAgentConfigFile(world.dir, world.dir.service);
    for (const [i, replica] of replicas.entries()) {
      const stateDir = await world.enrollAgent(replica, `wave-agent-${i + 1}`, configFile);
      agents.push(await runCompiledAgent(cli, configFile, stateDir, concurrency, profileDir));
    }

    say(`creating ${people} accounts and their Entra ID twins`);
    const stamp = Date.now().toString(36).slice(-4);
    const crowd: Person[] = await inBatches(Array.from({ length: people }, (_, i) => i), 8, async (i) => {
      const account = await createUser(world.dir, world.admin, `wv${stamp}${i}`, world.dir.staffOu);
      const graph = await entraTwinOf(world.dir, world.admin, world.graph, account);
      return { account, graph, client: replicas[i % 2]!.client(graph) };
    });

    // Idle: a few seconds of long-polls and nothing else.
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = await Promise.all(agents.map((a) => rssMb(a.pid)));

    const bind = { upn: world.dir.service.userPrincipalName, password: world.dir.service.password };
    const samba = (): Promise<number> => treeCpuSeconds(world.dir.dc.pid);
    const sum = (xs: number[]): number => xs.reduce((x, y) => x + y, 0);
    // CPU seconds so far of the replicas, the agents and this driver, each counted apart.
    const ours = async (): Promise<{ service: number; agents: number; driver: number }> => {
      const self = process.cpuUsage();
      return {
        service: sum(await Promise.all(replicas.map((r) => treeCpuSeconds(r.process.child.pid!)))),
        agents: sum(await Promise.all(agents.map((a) => treeCpuSeconds(a.pid)))),
        driver: (self.user + self.system) / 1e6,
      };
    };
    const raw = (parallel?: number): Promise<RawWave> => rawWave(world.dir.url, world.dir.ca, world.dir.dc.servername, bind, crowd.map((p) => p.account), samba, parallel);
    const lanes = agents.length * concurrency;

    say('raw ldapts wave (before the first round)');
    let rawBefore = await raw();
    say(`raw ldapts wave at the agents' concurrency (${lanes} connections)`);
    let rawAtLanesBefore = (await raw(lanes)).perSecond;

    // One round: everyone proves who they are, submits a new password at once, and the raw wave runs again right after.
    const oneRound = async (round: number): Promise<RoundResult> => {
      for (const p of crowd) {
        delete p.cardId; delete p.passwordCard; delete p.before; delete p.submittedAt; delete p.queuedAt; delete p.doneAt; delete p.problem;
      }
      say(`round ${round}: everyone opens the bot and proves it is them`);
      const replicaOutputBefore = replicas.map((r) => r.process.output().length);
      const peak = agents.map(() => 0);
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          (await Promise.all(agents.map((a) => rssMb(a.pid)))).forEach((mb, i) => (peak[i] = Math.max(peak[i]!, mb)));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const journeyStart = performance.now();
      await Promise.all(crowd.map(async (p) => {
        try {
          // Each card must be the one the person expects next; anything else is reported by its heading.
          const expect = (card: CardJson | undefined, pattern: RegExp): CardJson => {
            if (!card || !pattern.test(cardText(card))) throw new Error(`got "${cardText(card).split('\n').slice(0, 2).join(' / ') || 'no card'}"`);
            return card;
          };
          const menu = await p.client.say('hi', { timeoutMs: 120_000 });
          p.cardId = menu.activityId;
          const choose = expect((await p.client.click(expect(menu.card, /Reset password/i), 'menu.reset', {}, menu.activityId)).card, /How should we check/i);
          const codeCard = expect((await p.client.click(choose, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card, /code/i);
          // The code card comes after its mail is sent, so the last mail is this round's.
          const code = codeMailedTo(world, p.graph.emailMethods![0]!);
          p.passwordCard = expect((await p.client.click(codeCard, 'verify.submitCode', { code }, menu.activityId)).card, /new password/i);
        } catch (err) {
          p.problem = `before the password: ${(err as Error).message}`;
        }
      }));
      const verifiedIn = performance.now() - journeyStart;
      const ready = crowd.filter((p) => p.passwordCard);
      for (const p of ready) p.before = await passwordVersionOf(world.admin, p.account.dn);

      say(`round ${round}: ${ready.length} people submit their new password at once`);
      const byCard = new Map(ready.map((p) => [p.cardId!, p]));
      const connector = world.connector;
      let seen = connector.activities.length;
      let watching = true;
      const watcher = (async () => {
        // One pass over new card updates for everyone (a waiter per person would rescan the list N times).
        while (watching) {
          for (; seen < connector.activities.length; seen++) {
            const a = connector.activities[seen]!;
            const p = a.method === 'PUT' ? byCard.get(a.activityId ?? '') : undefined;
            if (p && p.doneAt === undefined && /password was changed/i.test(cardText(cardOf(a)))) p.doneAt = a.at!;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const agentOutputBefore = agents.map((a) => a.output().length);
      const sambaBeforeWave = await samba();
      const oursBeforeWave = await ours();
      const postgresBeforeWave = await postgresCpuByPid();
      const machineBeforeWave = await machineBusySeconds();
      const stopProfile = profileDir && round === 1 ? await profileThisProcess(join(profileDir, 'wave-driver.cpuprofile')) : undefined;
      // CLOCK_MONOTONIC, the clock V8's profiles time their samples by, in every process alike.
      const windowFromUs = process.hrtime.bigint() / 1000n;
      await Promise.all(ready.map(async (p) => {
        const password = canaryPassword();
        p.submittedAt = performance.timeOrigin + performance.now();
        const working = await p.client.click(p.passwordCard!, 'password.submit', { newPassword: password, confirmPassword: password }, p.cardId).catch((err: Error) => ({ card: undefined, err }));
        p.queuedAt = performance.timeOrigin + performance.now();
        if (!/Working on it/i.test(cardText(working.card))) p.problem = `at the password: ${cardText(working.card).split('\n')[0] || 'no answer'}`;
      }));
      const deadline = Date.now() + 600_000;
      while (ready.some((p) => !p.problem && p.doneAt === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      watching = false;
      sampling = false;
      await Promise.all([watcher, sampler]);
      await stopProfile?.();
      if (profileDir && round === 1) {
        await writeFile(join(profileDir, 'wave-window.json'), JSON.stringify({ fromUs: Number(windowFromUs), toUs: Number(process.hrtime.bigint() / 1000n) }));
      }
      const finishedCount = ready.filter((p) => p.doneAt !== undefined).length || 1;
      const sambaPerWaveReset = (await samba() - sambaBeforeWave) / finishedCount;
      const oursAfterWave = await ours();
      const [servicePerWaveReset, agentsPerWaveReset, driverPerWaveReset] = (['service', 'agents', 'driver'] as const).map((k) => (oursAfterWave[k] - oursBeforeWave[k]) / finishedCount) as [number, number, number];
      const postgresPerWaveReset = postgresCpuSince(postgresBeforeWave, await postgresCpuByPid()) / finishedCount;
      const machinePerWaveReset = (await machineBusySeconds() - machineBeforeWave) / finishedCount;

      say(`round ${round}: raw ldapts wave (after)`);
      const rawAfter = await raw();
      say(`round ${round}: raw ldapts wave at the agents' concurrency (after)`);
      const rawAtLanesAfter = (await raw(lanes)).perSecond;
      const rawAtLanes = (rawAtLanesBefore + rawAtLanesAfter) / 2;

      // Exactly once: each password written once by the wave (and once by each of the two raw waves after it).
      let once = 0;
      const wrong: string[] = [];
      for (const p of ready) {
        const now = await passwordVersionOf(world.admin, p.account.dn);
        if (now === p.before! + 3) once += 1;
        else wrong.push(`${p.account.sAMAccountName}: ${now - p.before! - 2} writes`);
      }
      const done = ready.filter((p) => p.doneAt !== undefined);
      const latencies = done.map((p) => p.doneAt! - p.submittedAt!);
      const first = Math.min(...ready.map((p) => p.submittedAt!));
      const last = Math.max(...done.map((p) => p.doneAt!));
      const wavePerSecond = done.length / ((last - first) / 1000);
      const rawMean = (rawBefore.perSecond + rawAfter.perSecond) / 2;
      const sambaPerRawReset = (rawBefore.sambaCpu + rawAfter.sambaCpu) / 2;
      const machinePerRawReset = (rawBefore.machineCpu + rawAfter.machineCpu) / 2;
      const problems = crowd.filter((p) => p.problem).map((p) => p.problem!);
      // What the replicas logged about failed outside calls this round, for the problems' causes.
      const replicaWarnings = replicas.flatMap((r, i) => r.process.output().slice(replicaOutputBefore[i]).split('\n'))
        .filter((l) => /graph call failed|could not/.test(l)).map((l) => {
          try {
            const { msg, operation, errorCode, graphCode, status, reason } = JSON.parse(l) as Record<string, unknown>;
            return JSON.stringify({ msg, operation, errorCode, graphCode, status, reason });
          } catch { return l.slice(0, 200); }
        });
      // The middle of the wave, without its start (submissions still arriving) and its tail (lanes running dry).
      const doneTimes = done.map((p) => p.doneAt!).sort((a, b) => a - b);
      const [d10, d90] = [doneTimes[Math.floor(doneTimes.length * 0.1)]!, doneTimes[Math.floor(doneTimes.length * 0.9)]!];
      const steadyPerSecond = (Math.floor(doneTimes.length * 0.9) - Math.floor(doneTimes.length * 0.1)) / ((d90 - d10) / 1000);

      const out: string[] = [];
      const line = (text: string): void => void out.push(text);
      line(`  reached the new-password card      ${ready.length} / ${people} in ${(verifiedIn / 1000).toFixed(1)} s (menu, method, e-mailed code; every step through /api/messages)`);
      line(`  card says "password was changed"    ${done.length} / ${ready.length}`);
      line(`  written exactly once (version +1)   ${once} / ${ready.length}${wrong.length ? `  (${wrong.slice(0, 5).join('; ')})` : ''}`);
      if (problems.length) line(`  problems: ${[...new Set(problems)].slice(0, 5).join(' | ')} (${problems.length})`);
      if (replicaWarnings.length) line(`  the replicas logged: ${[...new Set(replicaWarnings)].slice(0, 5).join(' | ')} (${replicaWarnings.length})`);
      line(`  resets per second, ResetDesk        ${wavePerSecond.toFixed(1)}  (first submission to last card update)`);
      line(`  resets per second, raw ldapts       ${rawMean.toFixed(1)}  (${rawBefore.perSecond.toFixed(1)} before, ${rawAfter.perSecond.toFixed(1)} after; ${people} at once, one bound connection each)`);
      line(`  ratio                               ${(wavePerSecond / rawMean).toFixed(2)}x   (target >= 0.8x)`);
      line(`  resets per second, mid-wave         ${steadyPerSecond.toFixed(1)}  (from the 10th to the 90th percentile of finished cards)   ratio ${(steadyPerSecond / rawMean).toFixed(2)}x`);
      line(`  raw ldapts at the agents' lanes     ${rawAtLanes.toFixed(1)}  (${rawAtLanesBefore.toFixed(1)} before, ${rawAtLanesAfter.toFixed(1)} after; ${lanes} connections, the concurrency the agents write at)   ratio ${(wavePerSecond / rawAtLanes).toFixed(2)}x`);
      line(`  Samba CPU per reset                 raw ${(sambaPerRawReset * 1000).toFixed(1)} ms (the modifies of the raw waves before and after)   through ResetDesk ${(sambaPerWaveReset * 1000).toFixed(1)} ms`);
      line(`  ResetDesk CPU per reset             ${((servicePerWaveReset + agentsPerWaveReset) * 1000).toFixed(1)} ms  (both replica processes ${(servicePerWaveReset * 1000).toFixed(1)}, both agents ${(agentsPerWaveReset * 1000).toFixed(1)}; PostgreSQL not counted)`);
      line(`  the driver's CPU per reset          ${(driverPerWaveReset * 1000).toFixed(1)} ms  (this process: 300 Teams clients, the fake connector and Graph; not ResetDesk)`);
      line(`  PostgreSQL CPU per reset            ${(postgresPerWaveReset * 1000).toFixed(1)} ms`);
      line(`  machine CPU per reset (all of it)   raw ${(machinePerRawReset * 1000).toFixed(1)} ms   through ResetDesk ${(machinePerWaveReset * 1000).toFixed(1)} ms  (2 cores: ${(2000 / (machinePerRawReset * 1000)).toFixed(1)} and ${(2000 / (machinePerWaveReset * 1000)).toFixed(1)} resets/s if CPU-bound)`);
      // A lane's time per reset, from the agents' own timings (their 'job succeeded' and 'result reported' lines) in this round.
      const agentLines = agents.flatMap((a, i) => a.output().slice(agentOutputBefore[i]).split('\n')).filter((l) => l.startsWith('{')).map((l) => {
        try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; }
      });
      const reportMsOf = new Map(agentLines.filter((l) => l.msg === 'result reported').map((l) => [l.jobId as string, l.reportMs as number]));
      const writes = agentLines.filter((l) => l.msg === 'job succeeded' && l.kind === 'reset').map((l): Record<string, number | undefined> => ({ ...(l.timings as Record<string, number>), reportMs: reportMsOf.get(l.jobId as string) ?? 0 }));
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
      const laneParts: Array<[string, number]> = [
        ['verify and open', mean(writes.map((w) => w.verifyOpenMs ?? 0))],
        ['account read', mean(writes.map((w) => w.readMs ?? 0))],
        ['write start (beside the fsync)', mean(writes.map((w) => Math.max(w.writeStartMs ?? 0, w.journalMs ?? 0)))],
        ['modify', mean(writes.map((w) => w.modifyMs ?? 0))],
        ['report', mean(writes.map((w) => w.reportMs ?? 0))],
      ];
      const lanePerReset = (lanes * (last - first)) / done.length;
      laneParts.push(['lease and everything else', lanePerReset - laneParts.reduce((n, [, v]) => n + v, 0)]);
      const queuedBy = Math.max(...ready.map((p) => p.queuedAt ?? 0));
      line(`  all ${ready.length} resets queued after  ${((queuedBy - first) / 1000).toFixed(1)} s  (the last "Working on it" answer)`);
      line(`  a lane's time per reset             ${lanePerReset.toFixed(0)} ms (${lanes} lanes): ${laneParts.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} (means, ms)`);
      // Where the whole wave loses against its middle: writes and finished cards per second from the first submission.
      const writtenAt = agentLines.filter((l) => l.msg === 'job succeeded' && l.kind === 'reset' && typeof l.time === 'string').map((l) => Date.parse(l.time as string));
      const perSecond = (ts: number[]): string => {
        const counts: number[] = [];
        for (const t of ts) { const i = Math.max(0, Math.floor((t - first) / 1000)); counts[i] = (counts[i] ?? 0) + 1; }
        return Array.from(counts, (n) => n ?? 0).join(' ');
      };
      const firstQueued = Math.min(...ready.map((p) => p.queuedAt ?? Infinity));
      line(`  the start of the wave                first reset queued after ${(firstQueued - first).toFixed(0)} ms, first written after ${(Math.min(...writtenAt) - first).toFixed(0)} ms, first card updated after ${(doneTimes[0]! - first).toFixed(0)} ms`);
      line(`  per second from the first submission  writes ${perSecond(writtenAt)}`);
      line(`                                        cards  ${perSecond(doneTimes)}`);
      line(`  submission to updated card          p50 ${(percentile(latencies, 50) / 1000).toFixed(2)} s   p99 ${(percentile(latencies, 99) / 1000).toFixed(2)} s`);
      line(`  agent resident memory               idle ${idle.map((m) => `${m.toFixed(0)} MB`).join(', ')}   under the wave (peak) ${peak.map((m) => `${m.toFixed(0)} MB`).join(', ')}   (target idle < 80 MB)`);
      const summary = `round ${round}: ${wavePerSecond.toFixed(1)} resets/s against raw ${rawMean.toFixed(1)}: ratio ${(wavePerSecond / rawMean).toFixed(2)}x (mid-wave ${(steadyPerSecond / rawMean).toFixed(2)}x; against raw at the lanes ${(wavePerSecond / rawAtLanes).toFixed(2)}x); `
        + `${done.length} / ${ready.length} cards final, ${once} written exactly once; p50 ${(percentile(latencies, 50) / 1000).toFixed(2)} s`
        // Whoever did not finish, and why, whichever round it was.
        + (problems.length ? `\n    problems: ${[...new Set(problems)].slice(0, 5).join(' | ')} (${problems.length})` : '')
        + (problems.length && replicaWarnings.length ? `\n    the replicas logged: ${[...new Set(replicaWarnings)].slice(0, 3).join(' | ')} (${replicaWarnings.length})` : '');
      rawBefore = rawAfter;
      rawAtLanesBefore = rawAtLanesAfter;
      return { ratio: wavePerSecond / rawMean, ratioAtLanes: wavePerSecond / rawAtLanes, summary, details: out, complete: done.length === people && once === people };
    };

    const results: RoundResult[] = [];
    for (let round = 1; round <= rounds; round++) results.push(await oneRound(round));
    const byRatio = [...results].sort((a, b) => a.ratio - b.ratio);
    const median = byRatio[Math.floor((byRatio.length - 1) / 2)]!;
    console.log(`Monday-morning wave: ${people} people, two replica processes on PostgreSQL, two agents (concurrency ${concurrency} each), one Samba DC, ${rounds} round(s)`);
    for (const r of results) console.log(`  ${r.summary}`);
    console.log(`  median ratio                        ${median.ratio.toFixed(2)}x   (target >= 0.8x)${results.every((r) => r.complete) ? '' : '   SOME ROUND DID NOT FINISH EVERY RESET EXACTLY ONCE'}`);
    const atLanes = [...results].map((r) => r.ratioAtLanes).sort((a, b) => a - b)[Math.floor((results.length - 1) / 2)]!;
    console.log(`  median ratio at the agents' lanes   ${atLanes.toFixed(2)}x   (raw ldapts on ${agents.length * concurrency} connections, the concurrency the agents write at)`);
    console.log(`the median round (round ${results.indexOf(median) + 1}):`);
    for (const l of median.details) console.log(l);
    if (!results.every((r) => r.complete)) process.exitCode = 1;
  } finally {
    for (const a of agents) await a.stop().catch(() => undefined);
    await world.close();
    if (ownRunDir) await stopTestDirectory(runDir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
