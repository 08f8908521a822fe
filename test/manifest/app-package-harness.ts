// Runs the real `npm run manifest` script in a process of its own and opens
// what it wrote, the way Teams would: unzip, read manifest.json, decode icons.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { PNG } from 'pngjs';

export const REPO = resolve(__dirname, '../..');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');
const SCRIPT = join(REPO, 'scripts', 'manifest.ts');

export const APP_ID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
export const HOST = 'resetdesk.contoso.com';

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The folder the script ran in: empty but for what the test put there. */
  cwd: string;
}

/**
 * Runs scripts/manifest.ts with exactly `env` (plus PATH) in a fresh folder,
 * so neither the developer's shell nor a .env in the repository leaks in.
 */
export async function runManifestScript(env: Record<string, string>, args: string[] = [], cwd?: string): Promise<ScriptRun> {
  const dir = cwd ?? (await newScratchDir());
  return new Promise((done, fail) => {
    execFile(TSX, [SCRIPT, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return fail(err);
      done({ code: err ? (err.code as number) : 0, stdout, stderr, cwd: dir });
    });
  });
}

/** A fresh folder inside the jest run's scratch folder, which global teardown removes. */
export function newScratchDir(): Promise<string> {
  return mkdtemp(join(process.env.RESETDESK_TEST_RUN_DIR ?? tmpdir(), 'manifest-'));
}

export interface OpenedPackage {
  /** Every entry name in the zip, as stored. */
  names: string[];
  manifestText: string;
  manifest: Record<string, any>;
  color: PNG;
  outline: PNG;
}

export async function openAppPackage(zipFile: string): Promise<OpenedPackage> {
  const entries = unzipSync(new Uint8Array(await readFile(zipFile)));
  const manifestText = strFromU8(entries['manifest.json'] ?? new Uint8Array());
  return {
    names: Object.keys(entries),
    manifestText,
    manifest: JSON.parse(manifestText) as Record<string, any>,
    color: PNG.sync.read(Buffer.from(entries['color.png'] ?? new Uint8Array())),
    outline: PNG.sync.read(Buffer.from(entries['outline.png'] ?? new Uint8Array())),
  };
}

/**
 * Problems Microsoft's own validator (AppManifestUtils.validateAgainstSchema
 * in @microsoft/app-manifest) finds, against the schema file shipped with it
 * (its default would download the schema). It runs in a plain Node process:
 * the package loads an ES module through require, which Node does and jest's
 * module loader here does not.
 */
export function microsoftSchemaProblems(manifest: unknown): Promise<string[]> {
  const program = `
    const { readFileSync } = require('node:fs');
    const { join, dirname } = require('node:path');
    const { AppManifestUtils } = require('@microsoft/app-manifest');
    const manifest = JSON.parse(readFileSync(0, 'utf8'));
    const dir = join(dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams', 'v' + manifest.manifestVersion);
    const schema = JSON.parse(readFileSync(join(dir, 'MicrosoftTeams.schema.json'), 'utf8'));
    AppManifestUtils.validateAgainstSchema(manifest, schema).then((problems) => console.log(JSON.stringify(problems)));
  `;
  return new Promise((done, fail) => {
    const child = execFile(process.execPath, ['-e', program], { cwd: REPO, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`the validator failed: ${stderr || err.message}`));
      done(JSON.parse(stdout) as string[]);
    });
    child.stdin?.end(JSON.stringify(manifest));
  });
}

/** [r, g, b, a] of one pixel. */
export function pixel(png: PNG, x: number, y: number): number[] {
  const i = (y * png.width + x) * 4;
  return [...png.data.subarray(i, i + 4)];
}
