// What the demo needs from the machine, checked before anything starts, so
// that a missing piece is named with the exact command that installs it and
// nothing is left half-started.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A Samba AD DC on Debian: `samba` and `winbind`, plus four packages samba
 * only recommends and without which `samba-tool domain provision` fails (the
 * AD schema, the directory database modules, the acl_xattr VFS module, attr).
 */
export const SAMBA_DC_PACKAGES = ['samba', 'winbind', 'samba-ad-provision', 'samba-dsdb-modules', 'samba-vfs-modules', 'attr'] as const;

async function onPath(command: string, path = process.env.PATH ?? ''): Promise<boolean> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    if (await access(join(dir, command), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/** The packages of SAMBA_DC_PACKAGES that are not installed (all of them when samba is missing and dpkg cannot tell). */
export async function missingSambaPackages(): Promise<string[]> {
  const commandsThere = (await onPath('samba')) && (await onPath('samba-tool'));
  if (!(await onPath('dpkg-query'))) return commandsThere ? [] : [...SAMBA_DC_PACKAGES];
  const missing: string[] = [];
  for (const pkg of SAMBA_DC_PACKAGES) {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', pkg]).catch(() => ({ stdout: '' }));
    if (!/install ok installed/.test(stdout)) missing.push(pkg);
  }
  if (missing.length === 0 && !commandsThere) missing.push('samba');
  return missing;
}

/** Problems that stop the demo before it starts anything, each with what to do; empty when the machine is ready. */
export async function preflightProblems(): Promise<string[]> {
  const problems: string[] = [];
  const missing = await missingSambaPackages();
  if (missing.length > 0) {
    problems.push(
      `The demo runs a throwaway Samba AD domain controller, and these Debian packages are missing: ${missing.join(', ')}.\n`
      + 'Install them with:\n'
      + `  sudo apt-get install --no-install-recommends ${SAMBA_DC_PACKAGES.join(' ')}`,
    );
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    problems.push('A Samba AD domain controller runs as root, so the demo must too (for example in a container or a throwaway VM).');
  }
  return problems;
}
