// The browser for tests that drive a real client: Debian's Chromium through
// playwright-core (no downloaded browser), headless, with everything that
// would reach the network on its own turned off.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.RESETDESK_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why the browser cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `Chromium not found at ${CHROMIUM_PATH}: install the Debian package "chromium" (or set RESETDESK_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A fresh browser profile that reaches this machine only: anything else (the
 * Playground asks a CDN for its fonts) is refused at once instead of waiting
 * for a network that may not be there.
 */
export async function newLoopbackContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.route((url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname), (route) => route.abort('blockedbyclient'));
  return context;
}
