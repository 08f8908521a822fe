// Ports: the demo's are fixed and printed, so a taken one must be named
// before anything starts; the tests' are ephemeral.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether nothing listens on `port` (on any address: the Playground binds them all). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on right now, chosen by the system. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Who listens on `port`, as `ss` tells it (best effort; empty when unknown). */
export async function holderOfPort(port: number): Promise<string> {
  const { stdout } = await run('ss', ['-H', '-ltnp', `sport = :${port}`]).catch(() => ({ stdout: '' }));
  const users = /users:\(\((.*)\)\)/.exec(stdout)?.[1];
  return users ? users.replace(/"/g, '') : '';
}

/** The ports (name → number) that are taken, each with its holder when known. */
export async function takenPorts(ports: Record<string, number>): Promise<string[]> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (await isPortFree(port)) continue;
    const holder = await holderOfPort(port);
    taken.push(`${port} (${name})${holder ? `, held by ${holder}` : ''}`);
  }
  return taken;
}
