// A local stand-in for the Pwned Passwords range API: answers
// GET /range/{5 hex} with the suffixes of the seeded passwords that share the
// prefix, plus decoys (and count-0 padding when asked), and records every
// request exactly as received so tests can prove what left the service.
//
//   const pwned = await startFakePwned({ breached: [{ password: 'P@ssw0rd', count: 52000 }] });
//   const client = createPwnedPasswordsClient(pwned.clientConfig());
import { createHash, randomBytes } from 'node:crypto';
import type { PwnedRangeConfig } from '../../bot/integrations/breached-passwords';
import { FaultBook, startFakeHttpsServer, type FakeFault, type RecordedRequest } from './fake-https-server';

export interface FakePwned {
  /** The endpoint to configure (requests go to `{url}/range/{prefix}`). */
  url: string;
  caPem: string;
  requests: RecordedRequest[];
  inject(fault: FakeFault): void;
  clearFaults(): void;
  clientConfig(overrides?: Partial<PwnedRangeConfig>): PwnedRangeConfig;
  close(): Promise<void>;
}

export interface FakePwnedSeed {
  /** Passwords the fake reports as breached, with how often. */
  breached?: { password: string; count: number }[];
  /** Other suffixes in every range, as a real range holds hundreds. Default 20. */
  decoysPerRange?: number;
}

export async function startFakePwned(seed: FakePwnedSeed = {}): Promise<FakePwned> {
  const byPrefix = new Map<string, string[]>();
  for (const { password, count } of seed.breached ?? []) {
    const hex = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const list = byPrefix.get(hex.slice(0, 5)) ?? [];
    list.push(`${hex.slice(5)}:${count}`);
    byPrefix.set(hex.slice(0, 5), list);
  }
  const decoys = seed.decoysPerRange ?? 20;
  const randomSuffix = () => randomBytes(18).toString('hex').slice(0, 35).toUpperCase();
  const faults = new FaultBook<'range'>();

  const server = await startFakeHttpsServer(faults, () => undefined, ({ req, res, url }) => {
    const match = /^\/range\/([^/]*)$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) return undefined;
    const prefix = (match[1] ?? '').toUpperCase();
    return {
      route: 'range',
      respond: () => {
        if (!/^[0-9A-F]{5}$/.test(prefix)) {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end('The hash prefix was not in a valid format');
          return;
        }
        const lines = [...(byPrefix.get(prefix) ?? [])];
        for (let i = 0; i < decoys; i += 1) lines.push(`${randomSuffix()}:${1 + (i * 7919) % 5000}`);
        if (req.headers['add-padding'] === 'true') for (let i = 0; i < 50; i += 1) lines.push(`${randomSuffix()}:0`);
        lines.sort();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(lines.join('\r\n'));
      },
    };
  });

  return {
    url: server.url,
    caPem: server.caPem,
    requests: server.requests,
    inject: (fault) => faults.inject('range', fault),
    clearFaults: () => faults.clear(),
    clientConfig: (overrides = {}) => ({ endpoint: server.url, ca: server.caPem, timeoutMs: 2_000, ...overrides }),
    close: () => server.close(),
  };
}
