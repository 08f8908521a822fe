// One Microsoft 365 Agents Playground instance per sample person: the
// Playground shows exactly one signed-in user (its config's `currentUser`),
// so a second person is a second instance, with its own folder, port and
// config, all in the same tenant, team and Approvers channel.
//
// Quirks of Playground 0.2.28 this works around (measured on 0.2.28):
// - an invalid config prints "Listening on N" and exits 1 silently; the
//   reason is only in ./devTools/m365agentsplayground.log;
// - an occupied port silently falls back to a random one;
// - the config (and its log) are read from the current folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { APPROVER_CHANNEL, DEMO_BOT, DEMO_TEAM, DEMO_TENANT_ID, SAMPLE_PEOPLE, personOf, teamsUserIdOf, upnOf, type PersonKey, type SamplePerson } from './people';

const PLAYGROUND_CLI = resolve(__dirname, '../../node_modules/@microsoft/m365agentsplayground/cli.js');

export interface PlaygroundInstance {
  /** The person signed in to this instance. */
  person: PersonKey;
  port: number;
  /** Open this in a browser to be that person in Teams. */
  url: string;
  /** The Bot Framework connector the bot answers through (`activity.serviceUrl`). */
  serviceUrl: string;
  dir: string;
  pid: number;
  /** The Playground's own log (devTools/m365agentsplayground.log). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

// YAML double-quoted scalars are JSON strings.
const q = (s: string): string => JSON.stringify(s);

function userYaml(p: SamplePerson, indent: string): string {
  return [
    `id: ${q(teamsUserIdOf(p))}`, `name: ${q(p.displayName)}`, `userPrincipleName: ${q(upnOf(p))}`, `aadObjectId: ${q(p.aadObjectId)}`,
    `givenName: ${q(p.givenName)}`, `surname: ${q(p.surname)}`, `email: ${q(upnOf(p))}`,
  ].map((l) => indent + l).join('\n');
}

/**
 * `.m365agentsplayground.yml` for one person. The schema wants exactly five
 * other users (`users`, minItems = maxItems = 5) and at most one channel
 * besides General; "userPrincipleName" is spelled as the schema spells it.
 * The IT team's people come first among the five, so they are members of
 * each other's channels.
 */
export function playgroundConfig(key: PersonKey): string {
  const me = personOf(key);
  const others = [...SAMPLE_PEOPLE.filter((p) => p.roles.length > 0), ...SAMPLE_PEOPLE.filter((p) => p.roles.length === 0)]
    .filter((p) => p.key !== key)
    .slice(0, 5);
  return [
    'version: "0.1.1"',
    `tenantId: ${q(DEMO_TENANT_ID)}`,
    'bot:',
    `  id: ${q(DEMO_BOT.id)}`,
    `  name: ${q(DEMO_BOT.name)}`,
    'currentUser:',
    userYaml(me, '  '),
    'users:',
    ...others.map((p) => userYaml(p, '    ').replace(/^ {4}/, '  - ')),
    'personalChat:',
    `  id: ${q(`a:personal-${me.sam}`)}`,
    'groupChat:',
    `  id: ${q(`19:groupchat-${me.sam}@thread.v2`)}`,
    '  name: "Group Chat"',
    'team:',
    `  id: ${q(DEMO_TEAM.id)}`,
    `  name: ${q(DEMO_TEAM.name)}`,
    `  aadGroupId: ${q(DEMO_TEAM.aadGroupId)}`,
    '  channels:',
    `    - id: ${q(APPROVER_CHANNEL.id)}`,
    `      name: ${q(APPROVER_CHANNEL.name)}`,
    '',
  ].join('\n');
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (!isAlive(child)) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface StartPlaygroundOptions {
  person: PersonKey;
  /** A folder of its own (config, devTools log); emptied first. */
  dir: string;
  port: number;
  botEndpoint: string;
}

export async function startPlayground(o: StartPlaygroundOptions): Promise<PlaygroundInstance> {
  await rm(o.dir, { recursive: true, force: true });
  await mkdir(o.dir, { recursive: true });
  await writeFile(join(o.dir, '.m365agentsplayground.yml'), playgroundConfig(o.person));
  const serviceUrl = `http://127.0.0.1:${o.port}/_connector`;
  const logFile = join(o.dir, 'devTools', 'm365agentsplayground.log');
  const child = spawn(process.execPath, [PLAYGROUND_CLI, '-e', o.botEndpoint, '-c', 'msteams', '--dt', '-p', String(o.port), '--su', serviceUrl], {
    cwd: o.dir,
    // No browser of its own, and none of the telemetry look-ups (Azure IMDS, Application Insights) it tries even with --dt.
    env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none', APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = () => readFile(logFile, 'utf8').catch(() => '');
  const instance: PlaygroundInstance = {
    person: o.person, port: o.port, url: `http://127.0.0.1:${o.port}`, serviceUrl, dir: o.dir, pid: child.pid ?? 0, log,
    stop: () => stopChild(child),
  };
  try {
    const listening = await new Promise<number>((resolvePort, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the Agents Playground for ${o.person} did not start within 30 s: ${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d.toString('utf8');
        const m = /Listening on (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolvePort(Number(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', async (code) => {
        clearTimeout(timer);
        reject(new Error(`the Agents Playground for ${o.person} exited (${code}) while starting:\n${out}\n${await log()}`));
      });
    });
    if (listening !== o.port) throw new Error(`port ${o.port} is taken, so the Agents Playground for ${o.person} chose ${listening}; stop whatever holds ${o.port}`);
    // An invalid config makes it exit right after "Listening": give it the moment it needs to do so.
    await new Promise((r) => setTimeout(r, 700));
    if (!isAlive(child)) throw new Error(`the Agents Playground for ${o.person} exited after start:\n${await log()}`);
    return instance;
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}
