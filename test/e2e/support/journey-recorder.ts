// The steps of a journey, each followed by a screenshot of the screen it
// happened on; a failing step also leaves screenshots of every open screen
// and the logs of the parts involved, and says where they are.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

/** test/e2e/.artifacts, or RESETDESK_E2E_ARTIFACTS. */
export const ARTIFACTS_ROOT = resolve(process.env.RESETDESK_E2E_ARTIFACTS ?? join(__dirname, '..', '.artifacts'));

export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);

/** Anything with a page: a person's Teams, their inbox. */
export interface Screen {
  page: Page;
}

export interface Evidence {
  /** Every open screen, by a name for its file. */
  screens(): Array<{ label: string; page: Page }>;
  /** Log files to leave beside the screenshots, by file name. */
  logs(): Promise<Record<string, string>>;
}

export class JourneyRecorder {
  private stepNo = 0;

  private constructor(
    readonly dir: string,
    private readonly evidence: Evidence,
  ) {}

  /** A fresh artifact folder `<root>/<spec>/<test>`. */
  static async create(spec: string, test: string, evidence: Evidence): Promise<JourneyRecorder> {
    const dir = join(ARTIFACTS_ROOT, slug(spec), slug(test));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return new JourneyRecorder(dir, evidence);
  }

  async step(title: string, screen: Screen, action: () => Promise<void>): Promise<void> {
    this.stepNo += 1;
    const n = String(this.stepNo).padStart(2, '0');
    const file = join(this.dir, `${n}-${slug(title)}.png`);
    try {
      await action();
    } catch (err) {
      await screen.page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      await this.leaveEvidence(`${n}-FAILED`);
      (err as Error).message = `step ${n} "${title}" failed (screenshots and logs in ${this.dir}):\n${(err as Error).message}`;
      throw err;
    }
    await screen.page.screenshot({ path: file, fullPage: true });
  }

  async leaveEvidence(prefix: string): Promise<void> {
    for (const { label, page } of this.evidence.screens()) {
      await page.screenshot({ path: join(this.dir, `${prefix}-${slug(label)}.png`), fullPage: true }).catch(() => undefined);
    }
    const logs = await this.evidence.logs().catch((err: unknown) => ({ 'evidence-error.txt': String(err) }));
    for (const [name, text] of Object.entries(logs)) await writeFile(join(this.dir, name), text);
  }
}
