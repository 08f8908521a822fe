// Entry point of the bot service: configuration from the environment, then
// the app, then a graceful stop on SIGTERM/SIGINT.
import { loadConfig, ConfigError } from './config';
import { createApp } from './app';
import { createLogger } from './log';
import { createWritebackChannel } from './writeback';
import { obtainServiceSigningKey } from './writeback/signing-key-source';
import { devModeBanner } from './dev-mode';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(3);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  if (config.devMode) logger.warn('RESETDESK_DEV_MODE: Bot Framework authentication is OFF; never run a deployment like this');
  const app = await createApp(config, {
    logger,
    writeback: async (store, log, metrics) =>
      createWritebackChannel({
        store,
        signingKey: await obtainServiceSigningKey(config.writeback.signingKey, log),
        audience: config.writeback.audience,
        jobTtlSeconds: config.jobTtlSeconds,
        sealToAgentsSeenWithinMs: config.agents.seenWithinMs,
        autoConfirmAgents: config.agents.autoConfirm,
        logger: log,
        metrics,
      }),
  });
  const listening = await app.listen();
  if (config.devMode) process.stderr.write(`${devModeBanner(config, listening, app.devPepperFile)}\n`);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ResetDesk could not start: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}\n`);
  process.exit(1);
});
