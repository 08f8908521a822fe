// Agent configuration pointed at the run's Samba DC, for tests that drive the
// agent's real code. One place, reused by every agent test.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../bot/log';
import { capturedLogger } from '../support/failures';
import type { AgentConfig } from '../../agent/config';
import { Secret } from '../../agent/secret';
import type { Client } from 'ldapts';
import { createDirectory, type Directory } from '../../agent/directory';
import { adminClient, createUser, testDirectory, type TestAccount, type TestDirectory } from '../support/test-directory';

export function agentConfigFor(dir: TestDirectory, account: Pick<TestAccount, 'userPrincipalName' | 'password'>, overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    dcUrls: [dir.url],
    startTls: false,
    caFile: dir.dc.caFile,
    ca: dir.ca,
    tlsServername: dir.dc.servername,
    bindDn: account.userPrincipalName,
    bindPassword: new Secret(account.password),
    baseDn: dir.dc.baseDn,
    managedOus: [dir.staffOu],
    protectedGroups: ['Domain Admins', 'Enterprise Admins', 'Schema Admins', 'Administrators', 'Account Operators', 'Backup Operators', 'Server Operators', 'Print Operators'],
    enforceHistoryOnReset: false,
    connectTimeoutMs: 3_000,
    operationTimeoutMs: 15_000,
    concurrency: 1,
    ...overrides,
  };
}

/** Writes a config file (and the password file beside it) the way an admin would; returns its path. */
export async function writeAgentConfigFile(dir: Pick<TestDirectory, 'ca' | 'url' | 'dc' | 'staffOu'>, account: Pick<TestAccount, 'userPrincipalName' | 'password'>, extra: Record<string, unknown> = {}): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'resetdesk-agent-cfg-'));
  await writeFile(join(folder, 'ca.pem'), dir.ca);
  await writeFile(join(folder, 'bind-password'), `${account.password}\n`, { mode: 0o600 });
  const file = join(folder, 'agent.json');
  await writeFile(file, JSON.stringify({
    dcUrls: [dir.url],
    caFile: 'ca.pem',
    tlsServername: dir.dc.servername,
    bindDn: account.userPrincipalName,
    bindPasswordFile: 'bind-password',
    baseDn: dir.dc.baseDn,
    managedOus: [dir.staffOu],
    ...extra,
  }, null, 2));
  return file;
}

/** Runs `fn` on a fresh agent directory bound as the delegated service account, closed afterwards: for one look at an account. */
export async function withAgentDirectory<T>(dir: TestDirectory, fn: (directory: Directory) => Promise<T>): Promise<T> {
  const directory = createDirectory(agentConfigFor(dir, dir.service));
  try {
    return await fn(directory);
  } finally {
    await directory.close();
  }
}

/** A logger whose every line is kept, so tests can prove no secret was logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  return capturedLogger({ level: 'debug', name: 'agent-test' });
}

export interface AgentDirectoryWorld {
  dir: TestDirectory;
  /** A connection as the domain administrator, for setting the scene. */
  admin: Client;
  /** The agent's own directory code, bound as the least-privileged service account. */
  agent: Directory;
  logs: { logger: Logger; lines: string[] };
  /** A new user in `ou` (the managed staff OU by default), its name unique in this run, with `extra` attributes. */
  freshUser(prefix: string, ou?: string, extra?: Record<string, string>): Promise<TestAccount>;
}

/**
 * The setting every agent test file shares: the run's DC, an admin
 * connection and the agent's directory, opened before the file's tests and
 * closed after them. The fields are filled in by the time a test runs.
 */
export function useAgentDirectory(): AgentDirectoryWorld {
  let seq = 0;
  const world = {
    logs: capturingLogger(),
    async freshUser(prefix: string, ou?: string, extra: Record<string, string> = {}): Promise<TestAccount> {
      seq += 1;
      return createUser(world.dir, world.admin, `${prefix}${seq}-${Date.now().toString(36)}`, ou ?? world.dir.staffOu, extra);
    },
  } as AgentDirectoryWorld;
  beforeAll(async () => {
    world.dir = await testDirectory();
    world.admin = await adminClient(world.dir);
    world.agent = createDirectory(agentConfigFor(world.dir, world.dir.service), { logger: world.logs.logger });
  });
  afterAll(async () => {
    await world.agent?.close();
    await world.admin?.unbind();
  });
  return world;
}
