// Which process owns a TCP connection on this machine, from Linux's /proc:
// tests that kill "the replica that sent this request" need the sender's pid.
import { readdir, readFile, readlink } from 'node:fs/promises';

/** The socket inodes of TCP connections whose local port is `port` (IPv4 and IPv6). */
async function inodesOfLocalPort(port: number): Promise<Set<string>> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1]!.endsWith(`:${hexPort}`)) inodes.add(cols[9]!);
    }
  }
  return inodes;
}

/** Which of `pids` holds the connection whose local port is `port`; undefined when none does. */
export async function pidOfLocalPort(port: number, pids: number[]): Promise<number | undefined> {
  const inodes = await inodesOfLocalPort(port);
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) return pid;
    }
  }
  return undefined;
}
