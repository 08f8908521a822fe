// The whole product on one machine, with no tenant: the sample company's
// Samba AD DC, its stand-ins for Entra ID/Graph, the SMS provider and the
// Teams service behind the Approvers channel, the mailbox page, one Agents
// Playground per person, the bot service in dev mode on its embedded store,
// an enrolled writeback agent and, when asked, the console (a Teams tab) in
// the Teams stand-in with the local test issuer. `npm run demo`
// starts it with fixed ports for a person; the browser suite starts it with
// ephemeral ports and drives it. Everything started is stopped by `stop()`,
// also when the stop comes in the middle of the start.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SambaDcHandle } from '../../test/support/samba-dc';
import { writeAgentConfigFile } from '../../test/agent/agent-test-config';
import { startConsoleTrial, type ConsoleTrial } from '../../test/console/console-trial';
import { agentCli, runAgent, type AgentProcess } from '../../test/writeback/writeback-harness';
import { demoBotEnvironment, issueEnrollmentCode, startDemoBot, type DemoBot } from './bot';
import { startDemoCloud, type DemoCloud } from './cloud';
import { seedDemoDirectory, startDemoDc, stopDemoDc, type DemoDirectory } from './directory';
import { Lifecycle } from './lifecycle';
import { startMailbox, type Mailbox } from './mailbox';
import { APPROVER_CHANNEL_MEMBERS, DEMO_TENANT_ID, SAMPLE_PEOPLE, personOf, upnOf, type PersonKey } from './people';
import { startPlayground, type PlaygroundInstance } from './playground';
import { freePort, takenPorts } from './ports';
import { startSharedChannel, type SharedChannel } from './shared-channel';

export interface WorldPorts {
  bot: number;
  mailbox: number;
  /** The first person's Playground; the others follow in SAMPLE_PEOPLE order. */
  firstPlayground: number;
  /** The console's Teams stand-in (with `console: true`); by default right after the last Playground. */
  console: number;
}

export const DEMO_PORTS: WorldPorts = { bot: 3978, mailbox: 56170, firstPlayground: 56171, console: 56171 + SAMPLE_PEOPLE.length };

export interface WorldOptions {
  /** Shown to another run waiting for a DC address. */
  purpose: string;
  /** Fixed ports (the demo), or chosen by the system (tests). */
  ports: WorldPorts | 'ephemeral';
  /** Whose Playground to start (default: everyone). */
  people?: PersonKey[];
  /** Also serve the console in the Teams stand-in, for every sample person (the demo does). */
  console?: boolean;
  onProgress?: (line: string) => void;
}

export interface World {
  folder: string;
  dc: SambaDcHandle;
  directory: DemoDirectory;
  cloud: DemoCloud;
  mailbox: Mailbox;
  bot: DemoBot;
  agent: AgentProcess;
  /** Each person's starting password (throwaway sample accounts). */
  startPasswords: Record<PersonKey, string>;
  /** Each person's Playground: open its url to be them in Teams. */
  playgrounds: Map<PersonKey, PlaygroundInstance>;
  playground(person: PersonKey): PlaygroundInstance;
  /** Where the bot posts approval requests: passed on to the channel members' Playgrounds. */
  approverChannel: SharedChannel;
  /** The console's Teams stand-in (with `console: true`): open its `hostUrl` and pick a sample person. */
  console: ConsoleTrial | undefined;
  stop(): Promise<void>;
}

function portPlan(ports: WorldPorts, people: PersonKey[], withConsole: boolean): Record<string, number> {
  const plan: Record<string, number> = { 'bot service': ports.bot, 'mailbox page': ports.mailbox };
  SAMPLE_PEOPLE.forEach((p, i) => {
    if (people.includes(p.key)) plan[`Agents Playground for ${p.displayName}`] = ports.firstPlayground + i;
  });
  if (withConsole) plan['console (Teams stand-in)'] = ports.console;
  return plan;
}

/** Two parts given the same port, named (empty when every port is its own). */
function sharedPorts(plan: Record<string, number>): string[] {
  const byPort = new Map<number, string[]>();
  for (const [name, port] of Object.entries(plan)) byPort.set(port, [...(byPort.get(port) ?? []), name]);
  return [...byPort].filter(([, names]) => names.length > 1).map(([port, names]) => `${port} (${names.join(', ')})`);
}

export async function startWorld(opts: WorldOptions, lifecycle = new Lifecycle(opts.onProgress)): Promise<World> {
  const say = opts.onProgress ?? (() => undefined);
  const people = opts.people ?? SAMPLE_PEOPLE.map((p) => p.key);
  try {
    let ports: WorldPorts & { playgrounds: Partial<Record<PersonKey, number>> };
    if (opts.ports === 'ephemeral') {
      const playgrounds: Partial<Record<PersonKey, number>> = {};
      for (const key of people) playgrounds[key] = await freePort();
      ports = { bot: await freePort(), mailbox: await freePort(), firstPlayground: 0, console: 0, playgrounds };
    } else {
      const fixed = opts.ports;
      const plan = portPlan(fixed, people, opts.console === true);
      const shared = sharedPorts(plan);
      if (shared.length > 0) throw new Error(`these ports are given to more than one part:\n  ${shared.join('\n  ')}\nChoose other ports.`);
      const taken = await takenPorts(plan);
      if (taken.length > 0) throw new Error(`these ports are taken:\n  ${taken.join('\n  ')}\nStop what holds them and try again.`);
      const playgrounds: Partial<Record<PersonKey, number>> = {};
      SAMPLE_PEOPLE.forEach((p, i) => (playgrounds[p.key] = fixed.firstPlayground + i));
      ports = { ...fixed, playgrounds };
    }

    // The pid in the name tells whose folder it is (a test checks that a stopped demo left none).
    const folder = await mkdtemp(join(tmpdir(), `resetdesk-demo-${process.pid}-`));
    lifecycle.defer('the demo folder', () => rm(folder, { recursive: true, force: true }));

    say('starting a Samba AD domain controller (takes about half a minute)');
    const dc = await lifecycle.start('the Samba AD DC', () => startDemoDc(opts.purpose, (m) => say(m)), stopDemoDc);
    say(`seeding the sample people into ${dc.realm} on ${dc.host}`);
    const directory = await lifecycle.run('seeding the directory', () => seedDemoDirectory(dc));
    const startPasswords = Object.fromEntries(SAMPLE_PEOPLE.map((p) => [p.key, directory.accounts[p.key].password])) as Record<PersonKey, string>;

    say('starting the stand-ins for Entra ID, Microsoft Graph and the SMS provider');
    const cloud = await lifecycle.start('the stand-ins for Graph and SMS', () => startDemoCloud(directory), (c) => c.close());
    const caFile = join(folder, 'stand-ins-ca.pem');
    await writeFile(caFile, cloud.graph.caPem);

    const playgrounds = new Map<PersonKey, PlaygroundInstance>();
    const mailbox = await lifecycle.start(
      'the mailbox page',
      () => startMailbox({
        graph: cloud.graph, sms: cloud.sms, port: ports.mailbox, startPasswords,
        teamsLinks: () => Object.fromEntries([...playgrounds.values()].map((pg) => [pg.person, pg.url])),
      }),
      (m) => m.close(),
    );

    const botEndpoint = `http://127.0.0.1:${ports.bot}/api/messages`;
    // Before the bot: it posts to the Approvers channel as soon as it starts.
    say(`starting ${people.length} Agents Playground instances, one per person`);
    await Promise.all(people.map((person) =>
      lifecycle.start(`the Agents Playground of ${personOf(person).displayName}`, async () => {
        const pg = await startPlayground({ person, dir: join(folder, 'playground', person), port: ports.playgrounds[person]!, botEndpoint });
        playgrounds.set(person, pg);
        return pg;
      }, (pg) => pg.stop())));
    const approverChannel = await lifecycle.start(
      'the stand-in for the Approvers channel',
      () => startSharedChannel(() => APPROVER_CHANNEL_MEMBERS.flatMap((key) => {
        const pg = playgrounds.get(key);
        return pg ? [{ name: key, serviceUrl: pg.serviceUrl }] : [];
      })),
      (c) => c.close(),
    );

    // Before the bot: its environment turns the console on and trusts this issuer and this host page.
    // The issuer's port is the system's choice: only the bot needs it (the keys URL).
    const consoleTrial = opts.console
      ? await lifecycle.start(
        'the console\'s Teams stand-in and test issuer',
        () => startConsoleTrial({
          people: SAMPLE_PEOPLE.map((p) => ({ aadObjectId: p.aadObjectId, displayName: p.displayName, userPrincipalName: upnOf(p) })),
          ...(ports.console ? { hostPort: ports.console } : {}),
        }),
        (c) => c.close(),
      )
      : undefined;

    const botEnv = {
      ...demoBotEnvironment({
        port: ports.bot,
        managementPort: await freePort(),
        dataDir: join(folder, 'bot-data'),
        cloud,
        caFile,
        approverServiceUrl: approverChannel.serviceUrl,
      }),
      ...consoleTrial?.env,
    };
    say('issuing an enrollment code for the writeback agent');
    const enrollmentCode = await lifecycle.run('issuing an enrollment code', () => issueEnrollmentCode(botEnv));
    say('starting the bot service (dev mode, embedded store)');
    const bot = await lifecycle.start('the bot service', () => startDemoBot(botEnv, join(folder, 'bot.log')), (b) => b.stop());
    // Roles come from the demo's groups in the stand-in for Graph (RESETDESK_*_GROUP_ID), as the bot's own.
    consoleTrial?.attach({ url: bot.url, tenantId: DEMO_TENANT_ID, authorityHost: cloud.graph.authorityHost });

    say('enrolling and starting the writeback agent');
    const agentConfig = await writeAgentConfigFile(directory, directory.service);
    lifecycle.defer('the agent configuration', () => rm(dirname(agentConfig), { recursive: true, force: true }));
    const stateDir = join(folder, 'agent-state');
    const enrolled = await lifecycle.run('enrolling the agent', () => agentCli(
      ['--config', agentConfig, 'enroll', '--service', bot.url, '--state-dir', stateDir, '--name', 'demo-agent'],
      { RESETDESK_AGENT_ENROLLMENT_CODE: enrollmentCode },
    ).exited);
    if (enrolled.code !== 0) throw new Error(`the agent could not enroll (exit ${enrolled.code}):\n${enrolled.stderr}${enrolled.stdout}`);
    const agent = await lifecycle.start('the writeback agent', () => runAgent(agentConfig, stateDir), async (a) => {
      await a.stop();
    });

    return {
      folder, dc, directory, cloud, mailbox, bot, agent, startPasswords, playgrounds, approverChannel, console: consoleTrial,
      playground(person) {
        const pg = playgrounds.get(person);
        if (!pg) throw new Error(`no Playground was started for ${person}`);
        return pg;
      },
      stop: () => lifecycle.stopAll(),
    };
  } catch (err) {
    await lifecycle.stopAll().catch((stopErr: unknown) => say(`while stopping: ${(stopErr as Error).message}`));
    throw err;
  }
}
