// Provisions and runs a throwaway Samba AD domain controller on loopback.
// Samba binds the fixed LDAP ports (389/636), so only one DC can run on a
// machine at a time: a directory lock serialises test runs that need one.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, rm, readFile, writeFile, stat } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';

const run = promisify(execFile);

export interface SambaDcHandle {
  dir: string;
  pid: number;
  realm: string;
  domain: string;
  baseDn: string;
  /** Host name in the DC's TLS certificate; use it as `servername` when connecting to 127.0.0.1. */
  servername: string;
  caFile: string;
  adminUpn: string;
  adminPassword: string;
}

const LOCK_DIR = join(tmpdir(), 'resetdesk-samba-dc.lock');

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function acquireLock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, 'owner'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(join(LOCK_DIR, 'owner'), 'utf8').catch(() => '0'));
      if (!owner || !isPidAlive(owner)) {
        // A run that died left its lock (and maybe its DC) behind.
        const dcPid = Number(await readFile(join(LOCK_DIR, 'dc-pid'), 'utf8').catch(() => '0'));
        if (dcPid && isPidAlive(dcPid)) killTree(dcPid);
        await rm(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another test run holds the Samba DC lock (${LOCK_DIR}, pid ${owner})`);
      await sleep(500);
    }
  }
}

function killTree(pid: number): void {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}

function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await stat(path).then(() => true, () => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${path}`);
}

export async function findSambaTool(): Promise<string | undefined> {
  for (const p of ['/usr/bin/samba-tool', '/usr/sbin/samba-tool']) {
    if (await stat(p).then(() => true, () => false)) return p;
  }
  return undefined;
}

/** Provisions a new domain in a temporary folder and starts `samba` on loopback. */
export async function startSambaDc(opts: { realm?: string; domain?: string; adminPassword?: string } = {}): Promise<SambaDcHandle> {
  const realm = opts.realm ?? 'CORP.EXAMPLE.TEST';
  const domain = opts.domain ?? 'CORP';
  const adminPassword = opts.adminPassword ?? `Adm1n!${Math.random().toString(36).slice(2, 10)}#Q`;
  if (!(await findSambaTool())) throw new Error('samba-tool not found: install the Debian package "samba" (.ci/run does)');
  await acquireLock(10 * 60_000);
  if (await portOpen(636)) throw new Error('port 636 on 127.0.0.1 is already in use; stop the other LDAP server first');

  const dir = await mkdtemp(join(tmpdir(), 'resetdesk-dc-'));
  await run('samba-tool', [
    'domain', 'provision',
    `--targetdir=${dir}`, `--realm=${realm}`, `--domain=${domain}`,
    '--server-role=dc', '--dns-backend=NONE', `--adminpass=${adminPassword}`,
    '--option=interfaces=lo', '--option=bind interfaces only=yes',
    // Only the services the tests use: fewer ports, faster start.
    '--option=server services=ldap, cldap, kdc',
    `--option=log file = ${dir}/samba.log`,
  ], { maxBuffer: 16 * 1024 * 1024 });

  const child = spawn('samba', ['-s', join(dir, 'etc/smb.conf'), '-i'], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const pid = child.pid!;
  await writeFile(join(LOCK_DIR, 'dc-pid'), String(pid));

  const caFile = join(dir, 'private/tls/ca.pem');
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(636))) {
    if (!isPidAlive(pid)) throw new Error(`samba exited during start; see ${dir}/samba.log`);
    if (Date.now() > deadline) throw new Error('samba did not answer on 127.0.0.1:636 within 60 s');
    await sleep(200);
  }
  await waitForFile(join(dir, 'private/tls/cert.pem'), 10_000);
  const cert = new X509Certificate(await readFile(join(dir, 'private/tls/cert.pem')));
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  if (!cn) throw new Error(`cannot read the DC certificate's common name: ${cert.subject}`);

  const baseDn = realm.toLowerCase().split('.').map((p) => `DC=${p}`).join(',');
  return {
    dir, pid, realm, domain, baseDn, servername: cn, caFile,
    adminUpn: `Administrator@${realm.toLowerCase()}`, adminPassword,
  };
}

/** Runs samba-tool against the DC's local database (the DC may be running). */
export async function sambaTool(dc: SambaDcHandle, args: string[]): Promise<string> {
  const { stdout } = await run('samba-tool', [...args, '-s', join(dc.dir, 'etc/smb.conf')], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export async function stopSambaDc(dc: Pick<SambaDcHandle, 'pid' | 'dir'>): Promise<void> {
  killTree(dc.pid);
  for (let i = 0; i < 50 && isPidAlive(dc.pid); i++) await sleep(100);
  if (isPidAlive(dc.pid)) {
    try {
      process.kill(-dc.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (let i = 0; i < 50 && (await portOpen(636)); i++) await sleep(100);
  await rm(dc.dir, { recursive: true, force: true });
  await rm(LOCK_DIR, { recursive: true, force: true });
}
