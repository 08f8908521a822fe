// The console's page as the service serves it: the bundle `npm run build`
// wrote to dist/console-pages/, or, where there is none (tests, running the
// sources with tsx), a bundle made in memory the first time it is needed.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../log';
import { buildConsolePages, MANIFEST_FILE, readConsolePages, type BuiltPages } from './pages/build';

export interface PageSettings {
  /** Origins besides Teams' own whose postMessage the page accepts (app.initialize's validMessageOrigins). */
  validMessageOrigins: string[];
  /** Dev mode only: the local trial's Teams stand-in, linked when the page is opened outside Teams. */
  trialHostUrl: string | null;
}

export interface ConsolePages {
  html(settings: PageSettings): Promise<string>;
  asset(name: string): Promise<{ contentType: string; body: Buffer } | undefined>;
}

// From dist/bot/console/ this is dist/console-pages/, where the build writes.
const PREBUILT_DIR = resolve(__dirname, '..', '..', 'console-pages');

const escapeAttribute = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function loadConsolePages(logger: Logger, prebuiltDir = PREBUILT_DIR): ConsolePages {
  let built: Promise<BuiltPages> | undefined;
  const pages = (): Promise<BuiltPages> => {
    built ??= existsSync(join(prebuiltDir, MANIFEST_FILE))
      ? Promise.resolve(readConsolePages(prebuiltDir))
      : buildConsolePages().catch((err: unknown) => {
          built = undefined;
          logger.error({ err: { message: (err as Error).message } }, 'the console page could not be bundled (run `npm run build`)');
          throw err;
        });
    return built;
  };
  return {
    async html(settings) {
      const p = await pages();
      return p.template
        .replace('{{SCRIPT}}', p.script)
        .replace('{{STYLE}}', p.style)
        .replace('{{SETTINGS}}', escapeAttribute(JSON.stringify(settings)));
    },
    async asset(name) {
      return (await pages()).files.get(name);
    },
  };
}
