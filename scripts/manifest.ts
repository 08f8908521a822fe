// `npm run manifest [-- --out <file.zip>]`: writes the upload-ready Teams app
// package (manifest.json and the two icons) for this deployment, by default
// to dist/manifest/resetdesk-teams-app.zip. The environment and a .env file
// in the current folder configure it; see scripts/manifest/config.ts.
import { resolve } from 'node:path';
import { runManifestCli } from './manifest/cli';

process.exitCode = runManifestCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  repoRoot: resolve(__dirname, '..'),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
