// resetdesk-admin: service-side administration from a shell.
//   npx tsx bot/admin-cli.ts enrollment-code [--ttl-minutes N] [--created-by NAME]
// Uses the same store as the service: DATABASE_URL (PostgreSQL) or
// RESETDESK_DATA_DIR (PGlite, default .data). PGlite is one process at a time,
// so with PGlite run this while the service is stopped.
import { userInfo } from 'node:os';
import { z } from 'zod';
import { isResetDeskError } from './errors';
import { openStore } from './store';
import { pgliteDirOf } from './config';
import { issueEnrollmentCode } from './writeback/enrollment-codes';

export interface AdminIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

const EnvSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  RESETDESK_DATA_DIR: z.string().min(1).optional(),
});

const USAGE = 'usage: resetdesk-admin enrollment-code [--ttl-minutes N] [--created-by NAME]\n';

function parseFlags(args: string[]): { ttlMinutes: number; createdBy: string | undefined } | string {
  let ttlMinutes = 15;
  let createdBy: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (flag === '--ttl-minutes' && value !== undefined) {
      if (!/^\d{1,2}$/.test(value) || Number(value) < 1 || Number(value) > 60) return '--ttl-minutes is a whole number from 1 to 60';
      ttlMinutes = Number(value);
      i++;
    } else if (flag === '--created-by' && value !== undefined) {
      createdBy = value;
      i++;
    } else {
      return `unknown or incomplete option ${flag}`;
    }
  }
  return { ttlMinutes, createdBy };
}

export async function main(argv: string[], io: AdminIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'enrollment-code') {
    io.stderr(USAGE);
    return 2;
  }
  const flags = parseFlags(rest);
  if (typeof flags === 'string') {
    io.stderr(`${flags}\n${USAGE}`);
    return 2;
  }
  const env = EnvSchema.safeParse({ DATABASE_URL: io.env.DATABASE_URL || undefined, RESETDESK_DATA_DIR: io.env.RESETDESK_DATA_DIR || undefined });
  if (!env.success) {
    io.stderr(`configuration: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    return 3;
  }
  const store = await openStore(
    env.data.DATABASE_URL ? { databaseUrl: env.data.DATABASE_URL } : { dataDir: pgliteDirOf(env.data.RESETDESK_DATA_DIR ?? '.data') },
  );
  try {
    const createdBy = flags.createdBy ?? `cli:${userInfo().username}`;
    const { code, expiresAt } = await issueEnrollmentCode(store, { createdBy, ttlSeconds: flags.ttlMinutes * 60 });
    io.stdout(`${code}\n`);
    io.stderr(`One-time enrollment code; it expires at ${expiresAt.toISOString()} and works once.\n`
      + 'On the agent server: resetdesk-agent enroll --service https://<bot-host> --code <the code above>\n');
    return 0;
  } catch (err) {
    io.stderr(`✖ ${isResetDeskError(err) ? `${err.message} [${err.code}]` : (err as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env }).then((code) => {
    process.exitCode = code;
  });
}
