// Agent configuration pointed at the run's Samba DC, for tests that drive the
// agent's real code. One place, reused by every agent test.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../bot/log';
import { capturedLogger } from '../support/failures';
import type { AgentConfig } from '../../agent/config';
import { Secret } from '../../agent/secret';
import type { TestAccount, TestDirectory } from '../support/test-directory';

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
    ...overrides,
  };
}

/** Writes a config file (and the password file beside it) the way an admin would; returns its path. */
export async function writeAgentConfigFile(dir: TestDirectory, account: Pick<TestAccount, 'userPrincipalName' | 'password'>, extra: Record<string, unknown> = {}): Promise<string> {
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

/** A logger whose every line is kept, so tests can prove no secret was logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  return capturedLogger({ level: 'debug', name: 'agent-test' });
}
