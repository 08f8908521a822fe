// A throwaway self-signed certificate for the fake HTTPS servers (Graph, SMS,
// breached passwords), made with the machine's openssl so no package or
// checked-in key is needed. One per test process is enough.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  /** PEM certificate; trust it as a CA (it signs itself). */
  certPem: string;
  keyPem: string;
}

let cached: Promise<SelfSignedCert> | undefined;

/** A certificate for `localhost` and 127.0.0.1, valid for two days. */
export function localhostCertificate(): Promise<SelfSignedCert> {
  cached ??= makeCertificate();
  return cached;
}

async function makeCertificate(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'resetdesk-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext', 'basicConstraints=critical,CA:TRUE',
    ]);
    return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
