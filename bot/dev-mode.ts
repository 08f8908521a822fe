// What dev mode changes, in one place: a code pepper generated for the data
// folder (never a constant from the source, which anyone could read) and the
// banner that says what is off.
import type { BotConfig } from './config';
import { loadOrCreateSecretFile } from './secret-files';

export const DEV_PEPPER_FILE = 'dev-code-pepper';

/** The data folder's own pepper, made on first use (mode 0600) and read back after. */
export async function loadOrCreateDevPepper(dataDir: string): Promise<{ pepper: string; file: string; created: boolean }> {
  const { secret, file, created } = await loadOrCreateSecretFile(dataDir, DEV_PEPPER_FILE);
  return { pepper: secret, file, created };
}

/** The lines a person starting the service in dev mode must read. */
export function devModeBanner(config: BotConfig, listening: { url: string }, pepperFile: string | undefined): string {
  const lines = [
    'ResetDesk is running in DEV MODE. Never run a deployment like this.',
    `  - Bot Framework authentication is OFF: whoever can reach ${listening.url}/api/messages can act as any person of tenant ${config.tenantId}.`,
    `  - So it listens on ${config.host} only (loopback), and refuses to start with an app id set.`,
    pepperFile
      ? `  - One-time codes are hashed with a pepper generated for this data folder (${pepperFile}); set RESETDESK_CODE_PEPPER for anything shared.`
      : '  - One-time codes are hashed with RESETDESK_CODE_PEPPER.',
  ];
  if (config.approverChannel && config.approverChannel.serviceUrl.startsWith('http:')) {
    lines.push(`  - Approval cards go to a Teams service over plain http (${config.approverChannel.serviceUrl}), as the Agents Playground expects.`);
  }
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '='.repeat(Math.min(width, 100));
  return [rule, ...lines, rule].join('\n');
}
