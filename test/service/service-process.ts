// The bot service as `npm start` runs it: bot/main.ts in a process of its own,
// configured only through its environment, for tests of what happens at
// start-up (refusals, banners, files it creates) and of its listeners.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../..');

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code when it ends by itself. */
  exited: Promise<number | null>;
  /** Waits for the "listening" log line and returns the two listeners' URLs. */
  listening(timeoutMs?: number): Promise<{ url: string; managementUrl: string }>;
  stop(): Promise<void>;
}

/**
 * `entry` is the compiled service (dist/bot/main.js, as `npm start` runs it) where a
 * benchmark wants what is deployed; by default the sources run through tsx, with no build.
 */
export function startServiceProcess(env: Record<string, string>, entry?: string): ServiceProcess {
  const child = spawn(process.execPath, entry ? [entry] : ['--import', 'tsx', join(REPO, 'bot/main.ts')], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', RESETDESK_MANAGEMENT_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    async listening(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = out.split('\n').find((l) => l.includes('ResetDesk bot service listening'));
        if (line) {
          const { port, managementPort } = JSON.parse(line) as { port: number; managementPort: number };
          return { url: `http://127.0.0.1:${port}`, managementUrl: `http://127.0.0.1:${managementPort}` };
        }
        if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}) before listening:\n${out}`);
        if (Date.now() > deadline) throw new Error(`the service did not listen within ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
