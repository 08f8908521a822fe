// Serves the Teams stand-in (host-page/) on an origin of its own, with the
// test issuer's tokens for whoever the page says is signed in. The browser
// suite drives it, and the local trial serves it beside the Playground so a
// newcomer can open the console as one of the sample people.
//
//   const host = await startConsoleTestHost({ people, issuer });  // its origin goes into RESETDESK_CONSOLE_FRAME_ANCESTORS
//   host.setConsole({ url: `${bot.url}/console`, tenantId });
//   page.goto(host.urlFor(person.id));
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestIssuer } from './test-issuer';

export interface HostPerson {
  aadObjectId: string;
  displayName: string;
  userPrincipalName: string;
}

export interface ConsoleTestHostOptions {
  /** Known now, or given later with setConsole. */
  tenantId?: string;
  people: HostPerson[];
  issuer: TestIssuer;
  /** The console's page; can be set later, once the bot is listening. */
  consoleUrl?: string;
  port?: number;
}

export interface ConsoleTestHost {
  url: string;
  /** What the console must allow: RESETDESK_CONSOLE_FRAME_ANCESTORS. */
  origin: string;
  /** Where the console is, once the bot listens, and its tenant. */
  setConsole(where: { url: string; tenantId: string }): void;
  /** The host page, signed in as `aadObjectId`, opening the console at once. */
  urlFor(aadObjectId: string, opts?: { theme?: 'default' | 'dark' | 'contrast' }): string;
  /** Replaces how tokens are made (tests hand out spoiled ones); null restores good tokens. */
  setTokens(factory: ((aadObjectId: string) => Promise<string>) | null): void;
  /** How many tokens the page asked for. */
  tokensIssued(): number;
  close(): Promise<void>;
}

let bundled: Promise<string> | undefined;

function hostScript(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const out = await esbuild.build({ entryPoints: [join(__dirname, 'host-page', 'host.ts')], bundle: true, write: false, format: 'iife', target: ['es2022'], logLevel: 'silent' });
    return out.outputFiles[0]!.text;
  })();
  return bundled;
}

const escapeAttribute = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startConsoleTestHost(o: ConsoleTestHostOptions): Promise<ConsoleTestHost> {
  let consoleUrl = o.consoleUrl ?? '';
  let tenantId = o.tenantId ?? '';
  let factory: ((aadObjectId: string) => Promise<string>) | null = null;
  let issued = 0;
  const template = readFileSync(join(__dirname, 'host-page', 'host.html'), 'utf8');
  const byId = new Map(o.people.map((p) => [p.aadObjectId, p]));
  const script = await hostScript();

  const server: Server = createServer((req, res) => {
    const end = (status: number) => {
      res.statusCode = status;
      res.end();
    };
    const url = new URL(req.url ?? '/', 'http://host');
    if (req.method !== 'GET') return void end(405);
    if (url.pathname === '/') {
      const settings = JSON.stringify({ consoleUrl, tenantId, people: o.people });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(template.replace('{{SETTINGS}}', escapeAttribute(settings)));
    }
    if (url.pathname === '/host.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return void res.end(script);
    }
    if (url.pathname === '/token') {
      const id = url.searchParams.get('person') ?? '';
      const person = byId.get(id);
      if (!person) return void end(404);
      const make = factory ?? ((oid: string) => o.issuer.mint({ oid, name: person.displayName }));
      make(id).then(
        (token) => {
          issued += 1;
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
          res.end(token);
        },
        () => end(500),
      );
      return;
    }
    if (url.pathname === '/favicon.ico') return void end(204);
    end(404);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    origin,
    setConsole(where) {
      consoleUrl = where.url;
      tenantId = where.tenantId;
    },
    urlFor(aadObjectId, opts = {}) {
      return `${origin}/?person=${encodeURIComponent(aadObjectId)}${opts.theme ? `&theme=${opts.theme}` : ''}`;
    },
    setTokens(f) {
      factory = f;
    },
    tokensIssued: () => issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
