// The command behind `npm run manifest`, as a function of its inputs (argv,
// environment, folders, output streams) so tests can run every path of it,
// including the ones a real environment cannot reach, without a process.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { isResetDeskError } from '../../bot/errors';
import { buildAppPackage } from './app-package';

export const DEFAULT_OUT = join('dist', 'manifest', 'resetdesk-teams-app.zip');
const USAGE = 'usage: npm run manifest [-- --out <file.zip>]';

/** 0 written; 2 bad configuration or usage; 3 Teams would refuse the package (schema or icons); 1 anything else. */
const EXIT_CODES: Readonly<Record<string, number>> = {
  MANIFEST_CONFIG_INVALID: 2,
  MANIFEST_SCHEMA_INVALID: 3,
  MANIFEST_ICON_INVALID: 3,
};

export interface ManifestCliContext {
  argv: string[];
  env: Record<string, string | undefined>;
  /** Where .env is looked for and a relative --out is resolved, as for npm start. */
  cwd: string;
  /** The repository: package.json's version is the default app version. */
  repoRoot: string;
  /** The template and icons; the repository's manifest/ unless a test says otherwise. */
  templateDir?: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

export function runManifestCli(ctx: ManifestCliContext): number {
  let target: string;
  try {
    const { values } = parseArgs({ args: ctx.argv, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      ctx.out(USAGE);
      return 0;
    }
    target = resolve(ctx.cwd, values.out ?? DEFAULT_OUT);
  } catch (err) {
    ctx.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }

  try {
    const built = buildAppPackage({
      templateDir: ctx.templateDir ?? join(ctx.repoRoot, 'manifest'),
      packageVersion: (JSON.parse(readFileSync(join(ctx.repoRoot, 'package.json'), 'utf8')) as { version: string }).version,
      // The environment wins over .env, as with node --env-file.
      env: { ...readDotEnv(ctx.cwd), ...ctx.env },
    });
    for (const note of built.notes) ctx.out(`note: ${note}`);
    writeAtomically(target, built.zip);
    const s = built.settings;
    ctx.out(`wrote ${target} (Teams app ${s.MicrosoftAppId}, version ${s.RESETDESK_APP_VERSION}, bot at https://${s.RESETDESK_PUBLIC_HOST})`);
    return 0;
  } catch (err) {
    const code = isResetDeskError(err) ? EXIT_CODES[err.code] : undefined;
    if (code !== undefined) {
      ctx.err((err as Error).message);
      return code;
    }
    ctx.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}

function readDotEnv(cwd: string): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
}

/** Writes beside the target and renames, so a failed write never leaves half a zip where an upload expects a whole one. */
function writeAtomically(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
}
