// Where a CPU profile's time went: self time by package (or our own top
// folder) and by function, from a .cpuprofile that `node --cpu-prof` or
// `bench/wave.ts --profile` wrote.
//
//   npx tsx bench/profile-summary.ts FILE.cpuprofile [--top 40] [--window WINDOW.json]
//
// --window keeps to the samples taken between its fromUs and toUs
// (CLOCK_MONOTONIC microseconds, as `bench/wave.ts --profile` writes them).
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/pg/...` → `pg`, `/repo/bot/store/...` → `bot/store`, `node:internal/...` → `node:internal`. */
function ownerOf(url: string): string {
  if (!url) return '(native or idle)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  const ours = /\/(bot|agent|cards|test|bench|scripts)\/([^/]+)\//.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [--top N]');
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 40;
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const windowAt = process.argv.indexOf('--window');
  const window = windowAt > 0 ? (JSON.parse(await readFile(process.argv[windowAt + 1]!, 'utf8')) as { fromUs: number; toUs: number }) : undefined;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)).reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;
  const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    add(byOwner, ownerOf(url), us);
    add(byFunction, `${functionName || '(anonymous)'}  ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(bot|agent|cards|test|bench)\//, '$1/')}:${lineNumber + 1}` : ''}`, us);
  }
  const show = (title: string, m: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${k}`);
    }
  };
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (idle and (program) left out)`);
  show('self time by package or folder', byOwner);
  show('self time by function', byFunction);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
