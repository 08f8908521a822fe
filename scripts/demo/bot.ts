// The bot service of the local trial: bot/main.ts in a process of its own,
// in dev mode on loopback, with its embedded store in the world's folder,
// configured only through its environment (as `npm start` is), and pointed
// at the stand-ins for Graph and the SMS provider and at the approver's
// Playground.
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../../test/service/service-process';
import type { DemoCloud } from './cloud';
import { APPROVER_CHANNEL, DEMO_GROUPS, DEMO_MAIL_FROM, DEMO_TENANT_ID } from './people';

const REPO = resolve(__dirname, '../..');

// Generous usage limits: a person trying the demo may start over many times.
const RELAXED_LIMITS = {
  RESETDESK_LIMIT_WRONG_CODES: '100/1h',
  RESETDESK_LIMIT_MAIL_CODES: '100/1h',
  RESETDESK_LIMIT_SMS_CODES: '100/1h',
  RESETDESK_LIMIT_MANAGER_CARDS: '100/1h',
  RESETDESK_LIMIT_REQUESTS: '200/1h',
  RESETDESK_LIMIT_CHANGE_FAILURES: '100/1h',
};

export interface DemoBotSettings {
  port: number;
  managementPort: number;
  dataDir: string;
  cloud: DemoCloud;
  /** PEM file trusting the stand-ins' certificate. */
  caFile: string;
  /** The approver's Playground connector, where approval cards are posted. */
  approverServiceUrl: string;
}

export function demoBotEnvironment(s: DemoBotSettings): Record<string, string> {
  return {
    RESETDESK_DEV_MODE: 'true',
    HOST: '127.0.0.1',
    PORT: String(s.port),
    RESETDESK_MANAGEMENT_PORT: String(s.managementPort),
    RESETDESK_TENANT_ID: DEMO_TENANT_ID,
    RESETDESK_DATA_DIR: s.dataDir,
    GRAPH_CLIENT_ID: s.cloud.graph.clientId,
    GRAPH_CLIENT_SECRET: s.cloud.graph.clientSecret,
    GRAPH_AUTHORITY_HOST: s.cloud.graph.authorityHost,
    GRAPH_BASE_URL: s.cloud.graph.url,
    RESETDESK_EXTRA_CA_FILE: s.caFile,
    RESETDESK_MAIL_FROM: DEMO_MAIL_FROM,
    SMS_PROVIDER_URL: s.cloud.sms.url,
    SMS_PROVIDER_API_KEY: s.cloud.sms.apiKey,
    RESETDESK_APPROVER_GROUP_ID: DEMO_GROUPS.approver.id,
    RESETDESK_HELPDESK_GROUP_ID: DEMO_GROUPS.helpdesk.id,
    RESETDESK_ADMIN_GROUP_ID: DEMO_GROUPS.admin.id,
    RESETDESK_APPROVER_CHANNEL_ID: APPROVER_CHANNEL.id,
    RESETDESK_TEAMS_SERVICE_URL: s.approverServiceUrl,
    // The demo's one agent is trusted as it enrolls; a deployment compares its key thumbprint first.
    RESETDESK_AGENT_AUTO_CONFIRM: 'true',
    ...RELAXED_LIMITS,
  };
}

/** `npm run admin -- enrollment-code` against the bot's data folder (the service is not running yet, so the CLI opens the store itself). */
export async function issueEnrollmentCode(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(REPO, 'bot/admin-cli.ts'), 'enrollment-code', '--created-by', 'demo', '--ttl-minutes', '10'], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, RESETDESK_DATA_DIR: env.RESETDESK_DATA_DIR, RESETDESK_MANAGEMENT_PORT: env.RESETDESK_MANAGEMENT_PORT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const enrollment = stdout.trim().split('\n')[0] ?? '';
  if (code !== 0 || !enrollment) throw new Error(`could not issue an enrollment code (exit ${code}): ${stderr.trim()}`);
  return enrollment;
}

export interface DemoBot {
  url: string;
  managementUrl: string;
  /** Everything the service wrote (JSON log lines and the dev-mode banner). */
  output(): string;
  logFile: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startDemoBot(env: Record<string, string>, logFile: string): Promise<DemoBot> {
  const service: ServiceProcess = startServiceProcess(env);
  const log: WriteStream = createWriteStream(logFile, { mode: 0o600 });
  service.child.stdout!.pipe(log, { end: false });
  service.child.stderr!.pipe(log, { end: false });
  const stop = async () => {
    // A service that does not stop in time is killed: the demo must leave nothing running.
    const timer = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
    await service.stop();
    clearTimeout(timer);
    await new Promise<void>((r) => log.end(() => r()));
  };
  try {
    const { url, managementUrl } = await service.listening(60_000);
    return { url, managementUrl, output: () => service.output(), logFile, pid: service.child.pid ?? 0, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
