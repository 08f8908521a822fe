// Provisions and runs a throwaway Samba AD domain controller on loopback.
// Samba binds the fixed LDAP ports (389/636), so two DCs cannot share an
// address. Each DC gets a loopback address of its own from a small pool
// (127.0.0.10 upwards, added to `lo` when missing), so a test run, a second
// run and the local trial can each have one. A lock folder per address says
// who holds it; when every address is held, the caller waits a bounded time,
// saying whom it waits for, and then fails naming the holders.
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
  /** The loopback address the DC listens on (LDAP 389, LDAPS 636, Kerberos 88). */
  host: string;
  realm: string;
  domain: string;
  baseDn: string;
  /** Host name in the DC's TLS certificate; use it as `servername` when connecting to `host`. */
  servername: string;
  caFile: string;
  adminUpn: string;
  adminPassword: string;
  /** The lock folder that reserves `host` for this DC. */
  lockDir: string;
}

/** Who holds a DC address: written into its lock folder, shown to whoever waits for it. */
export interface DcHolder {
  pid: number;
  what: string;
  since: string;
}

const POOL_FIRST = 10;

/** How many addresses runs on this machine share (RESETDESK_TEST_DC_POOL, default 4), read when a DC is asked for. */
function poolSize(): number {
  const n = Number(process.env.RESETDESK_TEST_DC_POOL ?? 4);
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : 4;
}

/**
 * How long a run waits for an address when every one is held
 * (RESETDESK_TEST_DC_WAIT_MS, default 45 s): under jest's 60 s default hook
 * timeout, so a run that cannot get a DC fails with this file's message,
 * naming the holders, rather than with a bare timeout.
 */
export function defaultDcWaitMs(): number {
  const ms = Number(process.env.RESETDESK_TEST_DC_WAIT_MS ?? 45_000);
  return Number.isFinite(ms) && ms >= 0 ? ms : 45_000;
}

function lockDirOf(host: string, root: string = tmpdir()): string {
  return join(root, `resetdesk-samba-dc-${host}.lock`);
}

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

async function commandLineOf(pid: number): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean).join(' ').slice(0, 200) || `process ${pid}`;
}

/** Makes `host` an address of `lo` (Linux answers all of 127/8, but Samba binds only to interface addresses). */
async function ensureLoopbackAddress(host: string): Promise<boolean> {
  if (host === '127.0.0.1') return true;
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo']).catch(() => ({ stdout: '' }));
  if (stdout.includes(` ${host}/`)) return true;
  try {
    await run('ip', ['addr', 'add', `${host}/32`, 'dev', 'lo']);
    return true;
  } catch (err) {
    return /File exists/.test(String((err as { stderr?: string }).stderr ?? ''));
  }
}

/** Takes the lock of one address if it is free (or its holder died); returns whether it did. */
async function tryLock(host: string, purpose: string, root?: string): Promise<boolean> {
  const dir = lockDirOf(host, root);
  for (;;) {
    try {
      await mkdir(dir);
      const holder: DcHolder = { pid: process.pid, what: purpose, since: new Date().toISOString() };
      await writeFile(join(dir, 'owner'), String(process.pid));
      await writeFile(join(dir, 'holder.json'), JSON.stringify(holder));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(join(dir, 'owner'), 'utf8').catch(() => '0'));
      if (owner && isPidAlive(owner)) return false;
      if (!owner) {
        // Just created by someone who has not written its owner yet, or left half-made long ago.
        const made = await stat(dir).then((s) => s.mtimeMs, () => 0);
        if (Date.now() - made < 5_000) return false;
      }
      // A run that died left its lock (and maybe its DC) behind.
      const dcPid = Number(await readFile(join(dir, 'dc-pid'), 'utf8').catch(() => '0'));
      if (dcPid && isPidAlive(dcPid)) await killAndWait(dcPid);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function holderOf(host: string, root?: string): Promise<DcHolder | undefined> {
  const raw = await readFile(join(lockDirOf(host, root), 'holder.json'), 'utf8').catch(() => undefined);
  if (raw) {
    try {
      return JSON.parse(raw) as DcHolder;
    } catch {
      // Half written by a holder that is starting: read its pid below.
    }
  }
  const pid = Number(await readFile(join(lockDirOf(host, root), 'owner'), 'utf8').catch(() => '0'));
  return pid ? { pid, what: await commandLineOf(pid), since: 'unknown' } : undefined;
}

export interface AddressOptions {
  /** What the DC is for, shown to anyone who has to wait for it. */
  purpose: string;
  /** How long to wait when every address is held. */
  waitMs: number;
  /** Told once when the caller has to wait, and again every minute. */
  onWait?: (message: string) => void;
  /** The addresses to choose from (default: the machine's pool, 127.0.0.10 upwards). */
  hosts?: string[];
  /** Where the lock folders live (default: the system's temporary folder, shared by every run). */
  lockRoot?: string;
}

/** Reserves a loopback address for a DC: the first free one in the pool, or 127.0.0.1 where addresses cannot be added. */
export async function reserveDcAddress(opts: AddressOptions): Promise<{ host: string; lockDir: string }> {
  const pool = opts.hosts ?? Array.from({ length: poolSize() }, (_, i) => `127.0.0.${POOL_FIRST + i}`);
  const usable = (await ensureLoopbackAddress(pool[0]!)) ? pool : ['127.0.0.1'];
  const root = opts.lockRoot;
  const deadline = Date.now() + opts.waitMs;
  let nextWord = 0;
  for (;;) {
    for (const host of usable) {
      if (!(await tryLock(host, opts.purpose, root))) continue;
      if (await ensureLoopbackAddress(host)) return { host, lockDir: lockDirOf(host, root) };
      await rm(lockDirOf(host, root), { recursive: true, force: true });
    }
    const holders = (await Promise.all(usable.map(async (h) => ({ host: h, holder: await holderOf(h, root) }))))
      .map(({ host, holder }) => `${host}: pid ${holder?.pid ?? '?'} (${holder?.what ?? 'unknown'}, since ${holder?.since ?? '?'}; lock ${lockDirOf(host, root)})`);
    if (Date.now() > deadline) {
      throw new Error(`every test DC address is held by another run, and none came free within ${Math.round(opts.waitMs / 1000)} s:\n  ${holders.join('\n  ')}\n` +
        'Stop those runs (or raise RESETDESK_TEST_DC_POOL) and try again.');
    }
    if (Date.now() >= nextWord) {
      opts.onWait?.(`waiting for a test DC address; all are held:\n  ${holders.join('\n  ')}`);
      nextWord = Date.now() + 60_000;
    }
    await sleep(500);
  }
}

function killTree(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

async function killAndWait(pid: number): Promise<void> {
  killTree(pid);
  for (let i = 0; i < 50 && isPidAlive(pid); i++) await sleep(100);
  if (isPidAlive(pid)) killTree(pid, 'SIGKILL');
}

function portOpen(port: number, host: string): Promise<boolean> {
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

export interface StartSambaDcOptions {
  realm?: string;
  domain?: string;
  adminPassword?: string;
  /** What the DC is for, shown to another run that has to wait for an address. */
  purpose?: string;
  /** How long to wait for a free address when every one is held (default: defaultDcWaitMs()). */
  waitMs?: number;
  onWait?: (message: string) => void;
  /** Where the address locks live (default: the system's temporary folder); tests of the lock itself use their own. */
  lockRoot?: string;
  /** More smb.conf settings for the DC (`name=value`), e.g. `old password allowed period=0`. */
  extraOptions?: string[];
}

/** Provisions a new domain in a temporary folder and starts `samba` on a loopback address of its own. */
export async function startSambaDc(opts: StartSambaDcOptions = {}): Promise<SambaDcHandle> {
  const realm = opts.realm ?? 'CORP.EXAMPLE.TEST';
  const domain = opts.domain ?? 'CORP';
  const adminPassword = opts.adminPassword ?? `Adm1n!${Math.random().toString(36).slice(2, 10)}#Q`;
  if (!(await findSambaTool())) throw new Error('samba-tool not found: install the Debian package "samba" (.ci/run does)');
  const { host, lockDir } = await reserveDcAddress({
    purpose: opts.purpose ?? `test run ${process.argv.slice(1, 3).join(' ')}`.slice(0, 160),
    waitMs: opts.waitMs ?? defaultDcWaitMs(),
    onWait: opts.onWait ?? ((m) => process.stderr.write(`[samba-dc] ${m}\n`)),
    ...(opts.lockRoot ? { lockRoot: opts.lockRoot } : {}),
  });
  let pid = 0;
  let dir = '';
  try {
    if (await portOpen(636, host)) throw new Error(`port 636 on ${host} is already in use by something that holds no ResetDesk lock; stop it first`);
    dir = await mkdtemp(join(tmpdir(), 'resetdesk-dc-'));
    await mkdir(join(dir, 'run'));
    await run('samba-tool', [
      'domain', 'provision',
      `--targetdir=${dir}`, `--realm=${realm}`, `--domain=${domain}`,
      '--server-role=dc', '--dns-backend=NONE', `--adminpass=${adminPassword}`,
      `--option=interfaces=${host}`, '--option=bind interfaces only=yes',
      // Its own pid folder: the default (/run/samba) would stop a second DC on this machine.
      `--option=pid directory=${join(dir, 'run')}`,
      // Only the services the tests use: fewer ports, faster start.
      '--option=server services=ldap, cldap, kdc',
      `--option=log file = ${dir}/samba.log`,
    ], { maxBuffer: 16 * 1024 * 1024 });
    if (opts.extraOptions?.length) {
      // Provisioning keeps only some of the options it is given, so extra ones go into [global] afterwards.
      const confFile = join(dir, 'etc/smb.conf');
      const conf = await readFile(confFile, 'utf8');
      await writeFile(confFile, conf.replace(/^\[global\]\n/m, `[global]\n${opts.extraOptions.map((o) => `\t${o}\n`).join('')}`));
    }

    const child = spawn('samba', ['-s', join(dir, 'etc/smb.conf'), '-i'], { detached: true, stdio: 'ignore' });
    child.unref();
    pid = child.pid!;
    await writeFile(join(lockDir, 'dc-pid'), String(pid));

    const caFile = join(dir, 'private/tls/ca.pem');
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(636, host))) {
      if (!isPidAlive(pid)) throw new Error(`samba exited during start; see ${dir}/samba.log`);
      if (Date.now() > deadline) throw new Error(`samba did not answer on ${host}:636 within 60 s`);
      await sleep(200);
    }
    await waitForFile(join(dir, 'private/tls/cert.pem'), 10_000);
    const cert = new X509Certificate(await readFile(join(dir, 'private/tls/cert.pem')));
    const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
    if (!cn) throw new Error(`cannot read the DC certificate's common name: ${cert.subject}`);

    const baseDn = realm.toLowerCase().split('.').map((p) => `DC=${p}`).join(',');
    return {
      dir, pid, host, realm, domain, baseDn, servername: cn, caFile,
      adminUpn: `Administrator@${realm.toLowerCase()}`, adminPassword, lockDir,
    };
  } catch (err) {
    if (pid) await killAndWait(pid);
    if (dir) await rm(dir, { recursive: true, force: true });
    await rm(lockDir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs samba-tool against the DC's local database (the DC may be running). */
export async function sambaTool(dc: SambaDcHandle, args: string[]): Promise<string> {
  const { stdout } = await run('samba-tool', [...args, '-s', join(dc.dir, 'etc/smb.conf')], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export async function stopSambaDc(dc: Pick<SambaDcHandle, 'pid' | 'dir' | 'host' | 'lockDir'>): Promise<void> {
  await killAndWait(dc.pid);
  for (let i = 0; i < 50 && (await portOpen(636, dc.host)); i++) await sleep(100);
  await rm(dc.dir, { recursive: true, force: true });
  await rm(dc.lockDir, { recursive: true, force: true });
}
