// `npm run demo`: the whole product on this machine, with no tenant and
// nothing to configure. It prints the pages to open and the people to try,
// runs until Ctrl-C, and then stops everything it started.
//
//   npm run demo [-- --bot-port 3978 --mailbox-port 56170 --first-playground-port 56171 --console-port 56179]
import { viewsFor, type ConsoleView } from '../bot/console/roles';
import { Lifecycle, StoppedWhileStarting } from './demo/lifecycle';
import { SAMPLE_PEOPLE, personOf, upnOf, type PersonKey } from './demo/people';
import { preflightProblems } from './demo/preflight';
import { DEMO_PORTS, startWorld, type World, type WorldPorts } from './demo/world';

const USAGE = 'usage: npm run demo [-- --bot-port N] [--mailbox-port N] [--first-playground-port N] [--console-port N]';

function parsePorts(argv: string[]): WorldPorts | string {
  const ports = { ...DEMO_PORTS };
  const flags: Record<string, keyof WorldPorts> = {
    '--bot-port': 'bot', '--mailbox-port': 'mailbox', '--first-playground-port': 'firstPlayground', '--console-port': 'console',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = flags[argv[i]!];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isInteger(value) || value < 1024 || value > 65535 - SAMPLE_PEOPLE.length) return `${argv[i]} ${argv[i + 1] ?? ''}: not understood\n${USAGE}`;
    ports[key] = value;
  }
  return ports;
}

const VIEW_TITLES: Record<ConsoleView, string> = { helpdesk: 'Helpdesk', approvals: 'Approvals', requests: 'Requests', agents: 'Agents', audit: 'Audit', counts: 'Counts' };

/** "Helen sees Helpdesk and Requests": the console views a person's groups open (bot/console/roles.ts decides). */
function viewsOf(person: PersonKey): string {
  const titles = viewsFor(personOf(person).roles).map((v) => VIEW_TITLES[v]);
  return `${personOf(person).givenName} sees ${new Intl.ListFormat('en', { type: 'conjunction' }).format(titles)}`;
}

function summary(world: World): string {
  const name = (k: Parameters<typeof personOf>[0]) => personOf(k).givenName;
  const width = Math.max(...SAMPLE_PEOPLE.map((p) => p.displayName.length));
  const people = SAMPLE_PEOPLE.filter((p) => world.playgrounds.has(p.key)).map(
    (p) => `  ${p.displayName.padEnd(width)}  ${world.playground(p.key).url.padEnd(22)}  ${upnOf(p).padEnd(20)}  ${p.story}`,
  );
  return [
    '',
    'ResetDesk demo is running. Press Ctrl-C to stop everything.',
    '',
    'Open Microsoft Teams (the Agents Playground) as one of the sample people, type "hi" and choose what to do:',
    ...people,
    '',
    `ResetDesk console (Teams tab): ${world.console!.hostUrl}`,
    `  Pick a sample person at the top and open the console as them: ${SAMPLE_PEOPLE.filter((p) => p.roles.length > 0).map((p) => viewsOf(p.key)).join('; ')}; the others see none.`,
    '',
    `Mail and text messages: ${world.mailbox.url}`,
    '  One-time codes arrive there, and only there. The page also lists everyone\'s start password.',
    '',
    'Try first:',
    `  1. Open ${name('alice')}'s page, type "hi", click "Reset password", then "Continue".`,
    `  2. Read the code in her mail on ${world.mailbox.url}/?person=alice and type it in the card.`,
    '  3. Choose a new password. The agent writes it to the domain controller, and the card says when it is done.',
    '',
    'Good to know:',
    `  - ${name('diego')} is a Domain Admin: his reset needs two approvers, ${name('megan')} and ${name('nestor')}. The request appears in the`,
    `    "IT Helpdesk - Approvers" channel of ${name('megan')}, ${name('nestor')} and ${name('helen')}; open their pages before ${name('diego')} asks`,
    '    (a Playground does not show channel posts that arrived while its page was closed).',
    `  - "Ask my manager" is offered once ${name('mark')} has opened his page (only then can the bot reach him in Teams).`,
    '  - A reload of a Playground page clears its chat; the bot remembers the requests.',
    '',
    `Bot service: ${world.bot.url} (dev mode, embedded store), readiness ${world.bot.managementUrl}/readyz`,
    `  log: ${world.bot.logFile}`,
    `Domain controller: ${world.dc.realm} at ldaps://${world.dc.host}:636; writeback agent enrolled and running.`,
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const ports = parsePorts(process.argv.slice(2));
  if (typeof ports === 'string') {
    process.stderr.write(`${ports}\n`);
    return 2;
  }
  const problems = await preflightProblems();
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n\n')}\n\nNothing was started.\n`);
    return 1;
  }

  const say = (line: string) => process.stdout.write(`  … ${line}\n`);
  const lifecycle = new Lifecycle(say);
  let signals = 0;
  let firstSignalAt = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        // Under `npm run`, one Ctrl-C arrives twice: from the terminal and passed on by npm.
        if (Date.now() - firstSignalAt > 2_000) process.stdout.write('Still stopping; everything the demo started is being stopped, please wait.\n');
        return;
      }
      firstSignalAt = Date.now();
      process.stdout.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping everything the demo started…\n`);
      lifecycle.stopAll().then(resolve, (err: unknown) => {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });

  process.stdout.write('Starting the ResetDesk demo on this machine (loopback only).\n');
  try {
    const world = await startWorld({ purpose: `npm run demo (pid ${process.pid})`, ports, console: true, onProgress: say }, lifecycle);
    process.stdout.write(summary(world));
  } catch (err) {
    if (signals > 0 || err instanceof StoppedWhileStarting) {
      await stopped;
      process.stdout.write('Stopped; nothing is left running.\n');
      return 0;
    }
    const hint = /ports are taken/.test((err as Error).message) ? `Or choose other ports: ${USAGE}\n` : '';
    process.stderr.write(`\nThe demo could not start: ${(err as Error).message}\n${hint}Everything it had started was stopped.\n`);
    return 1;
  }
  await stopped;
  process.stdout.write('Stopped; nothing is left running.\n');
  return 0;
}

main().then(
  (code) => process.exit(code || process.exitCode || 0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
