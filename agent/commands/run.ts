import type { Logger } from 'pino';
import { loadAgentConfig } from '../config';
import { createDirectory, ProtectedGroupMissingError, type Directory } from '../directory';
import { defaultStateDir, loadEnrollment } from '../daemon/agent-state';
import { AgentDaemon } from '../daemon/daemon';
import { GatewayClient } from '../daemon/gateway-client';
import { JobRunner, type AgentFault } from '../daemon/job-runner';
import { Journal } from '../daemon/journal';
import { createAgentLogger } from '../daemon/logger';
import { isProtocolError, loadAgentKeys, SigningPublicJwkSchema } from '../protocol';
import { EXIT, type AgentCommand } from './command';
import { parseFlags } from './enroll';

/** TEST ONLY: makes the daemon fail at a chosen point (see agent/README.md). Never set it in production. */
export const FAULT_ENV = 'RESETDESK_AGENT_FAULT';
const FAULTS = new Set(['crash-after-apply']);

export const runCommand: AgentCommand = {
  name: 'run',
  usage: 'run [--config <file>] [--state-dir <dir>] [--log-level info|debug|warn]',
  summary: 'run the writeback daemon: lease jobs from the service and apply them to AD',
  async run(args, { io, loadConfig }) {
    const flags = parseFlags(args, ['config', 'state-dir', 'log-level']);
    if (typeof flags === 'string') {
      io.stderr(`${flags}\nusage: resetdesk-agent ${this.usage}\n`);
      return EXIT.USAGE;
    }
    const faultName = io.env[FAULT_ENV];
    if (faultName && !FAULTS.has(faultName)) {
      io.stderr(`unknown ${FAULT_ENV} value\n`);
      return EXIT.USAGE;
    }
    const config = flags.config ? await loadAgentConfig({ file: flags.config, env: io.env }) : await loadConfig();
    const stateDir = flags['state-dir'] ?? defaultStateDir(io.env);
    let enrollment;
    let keys;
    try {
      enrollment = await loadEnrollment(stateDir);
      keys = await loadAgentKeys(stateDir);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      io.stderr(`✖ ${err.message} [${err.code}] (state folder ${stateDir}; run "resetdesk-agent enroll" first)\n`);
      return EXIT.CONFIG;
    }
    const logger = createAgentLogger(flags['log-level'] ?? 'info', { write: (line: string) => io.stdout(line) });
    if (faultName) logger.warn({ fault: faultName }, 'TEST FAULT INJECTION IS ON; never run like this in production');
    const directory = createDirectory(config, { logger, connections: config.concurrency });
    const missing = await missingProtectedGroups(directory, config.protectedGroups.length > 0, logger);
    if (missing) {
      await directory.close();
      io.stderr(`✖ ${missing.message} [${missing.code}]\n`);
      return EXIT.CONFIG;
    }
    const journal = await Journal.open(stateDir);
    const client = new GatewayClient({ serviceUrl: enrollment.serviceUrl, agentId: enrollment.agentId, audience: enrollment.audience, signingKey: keys.signingKey });
    const runner = new JobRunner({
      directory,
      enrollment: { agentId: enrollment.agentId, audience: enrollment.audience, serviceSigningJwk: SigningPublicJwkSchema.parse(enrollment.serviceSigningJwk) },
      encryptionKey: keys.encryptionKey,
      managedOus: config.managedOus,
      journal,
      service: client,
      logger,
      fault: faultName as AgentFault,
    });
    const daemon = new AgentDaemon({ client, runner, journal, logger, concurrency: config.concurrency });
    const stop = (): void => daemon.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    logger.info({ agentId: enrollment.agentId, service: enrollment.serviceUrl, serviceKeyId: enrollment.serviceKeyId, managedOus: config.managedOus }, 'agent configured');
    try {
      await daemon.run();
      return EXIT.OK;
    } catch (err) {
      if (isProtocolError(err) || (err as { code?: unknown }).code) {
        io.stderr(`✖ ${(err as Error).message} [${String((err as { code?: unknown }).code)}]\n`);
        return EXIT.CHECK_FAILED;
      }
      throw err;
    } finally {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      await directory.close();
      await journal.close();
    }
  },
};

/**
 * A configured protected group that does not exist stops the agent before it
 * takes any job. A DC that cannot be asked right now does not: every job
 * looks the groups up again and fails closed until the DC answers.
 */
async function missingProtectedGroups(directory: Directory, any: boolean, logger: Logger): Promise<ProtectedGroupMissingError | undefined> {
  if (!any) return undefined;
  try {
    const groups = await directory.protectedGroups();
    if (groups.missing.length) return new ProtectedGroupMissingError(groups.missing);
    logger.info({ extraProtectedGroups: groups.groups.map((g) => g.label), listedBuiltIn: groups.builtIn }, 'protected groups found');
  } catch (err) {
    logger.warn({ errorCode: (err as { code?: unknown }).code ?? (err as Error).name }, 'could not look up the protected groups at start; each job looks them up and fails closed until it can');
  }
  return undefined;
}
