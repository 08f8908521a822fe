// Bundles the console's page (pages/main.ts with @microsoft/teams-js, and
// its stylesheet) with esbuild. `npm run build` runs this file to write the
// bundle to dist/console-pages/, which the service serves as is; where that
// folder is missing (tests, `tsx` during development) the service bundles in
// memory on first use instead. Either way the page is the same bytes for the
// same sources, and its file names carry their content's hash.
//
//   node dist/bot/console/pages/build.js --out dist/console-pages
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface PageFile {
  contentType: string;
  body: Buffer;
}

export interface BuiltPages {
  /** Asset file names (hashed) → content. */
  files: Map<string, PageFile>;
  script: string;
  style: string;
  /** The page's HTML with {{SCRIPT}}, {{STYLE}} and {{SETTINGS}} left to fill. */
  template: string;
}

export const MANIFEST_FILE = 'console-pages.json';

/** The repository's root, from the sources or from dist/ (where package.json is). */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bot', 'console', 'pages', 'main.ts'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the console's page sources above ${from}`);
  }
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export async function buildConsolePages(): Promise<BuiltPages> {
  // esbuild is a build tool (a devDependency): loaded only when bundling.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const pages = join(repoRoot(__dirname), 'bot', 'console', 'pages');
  const result = await esbuild.build({
    entryPoints: [{ in: join(pages, 'main.ts'), out: 'console' }, { in: join(pages, 'console.css'), out: 'console' }],
    bundle: true,
    write: false,
    outdir: '/console-assets',
    entryNames: '[name]-[hash]',
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
    // teams-js pulls in `debug`, which looks at process.env in Node only.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const files = new Map<string, PageFile>();
  let script = '';
  let style = '';
  for (const out of result.outputFiles) {
    const name = out.path.slice(out.path.lastIndexOf('/') + 1);
    const ext = name.slice(name.lastIndexOf('.'));
    files.set(name, { contentType: TYPES[ext] ?? 'application/octet-stream', body: Buffer.from(out.contents) });
    if (ext === '.js') script = name;
    if (ext === '.css') style = name;
  }
  if (!script || !style) throw new Error('the console bundle lacks its script or stylesheet');
  return { files, script, style, template: readFileSync(join(pages, 'console.html'), 'utf8') };
}

export function writeConsolePages(built: BuiltPages, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const [name, file] of built.files) writeFileSync(join(outDir, name), file.body);
  writeFileSync(join(outDir, 'console.html'), built.template);
  writeFileSync(join(outDir, MANIFEST_FILE), `${JSON.stringify({ script: built.script, style: built.style }, null, 2)}\n`);
}

export function readConsolePages(dir: string): BuiltPages {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { script: string; style: string };
  const files = new Map<string, PageFile>();
  for (const name of [manifest.script, manifest.style]) {
    files.set(name, { contentType: TYPES[name.slice(name.lastIndexOf('.'))]!, body: readFileSync(join(dir, name)) });
  }
  return { files, script: manifest.script, style: manifest.style, template: readFileSync(join(dir, 'console.html'), 'utf8') };
}

if (require.main === module) {
  const at = process.argv.indexOf('--out');
  const out = resolve(at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : 'dist/console-pages');
  buildConsolePages().then(
    (built) => {
      writeConsolePages(built, out);
      process.stdout.write(`console pages: ${built.script}, ${built.style} → ${out}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`console pages could not be built: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
