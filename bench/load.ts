// A closed-loop load generator for `adaptiveCard/action` invokes: `lanes`
// workers each send one invoke, wait for the answer, and send the next.
// It runs on a worker thread so the server under test keeps the main event
// loop to itself, as it would in production.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Time the server's event loop was busy per answered request (the server runs on this thread). */
  busyUsPerRequest: number;
  /** CPU time of the server's thread per answered request: unlike busy time, not stretched when other processes take the core. */
  cpuUsPerRequest: number;
}

export interface Lane {
  aadObjectId: string;
  /** Requests to click through, each with its current step token; empty: a fresh random id each time. */
  requests: Array<{ id: string; stepToken: string }>;
}

export interface InvokeLoad {
  url: string;
  serviceUrl: string;
  tenantId: string;
  verb: string;
  /** Extra fields of the action's data (the typed inputs). */
  inputs: Record<string, string>;
  lanes: Lane[];
  /** Clicks on one request before moving to the lane's next (stays under its try limit). */
  clicksPerRequest: number;
  durationMs: number;
  warmupMs: number;
}

// Plain JavaScript: a worker cannot load TypeScript without a loader.
const WORKER_SOURCE = `
const { parentPort, workerData: w } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { randomUUID } = require('node:crypto');
function nextToken(node, verb) {
  if (Array.isArray(node)) { for (const n of node) { const t = nextToken(n, verb); if (t) return t; } return undefined; }
  if (node && typeof node === 'object') {
    if (node.type === 'Action.Execute' && node.verb === verb && node.data) return node.data.stepToken;
    for (const v of Object.values(node)) { const t = nextToken(v, verb); if (t) return t; }
  }
  return undefined;
}
async function lane(l, warmupEnd, end, latencies, counts) {
  let current = 0, used = 0;
  for (;;) {
    const t0 = performance.now();
    if (t0 >= end) return;
    if (l.requests.length > 0 && used >= w.clicksPerRequest) { current++; used = 0; }
    const req = l.requests.length > 0 ? l.requests[current] : { id: randomUUID(), stepToken: 'x'.repeat(43) };
    if (!req) throw new Error('ran out of seeded requests');
    let ok = false;
    try {
      const res = await fetch(w.url + '/api/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({
        type: 'invoke', name: 'adaptiveCard/action', id: randomUUID(), timestamp: new Date().toISOString(), serviceUrl: w.serviceUrl, channelId: 'msteams',
        from: { id: '29:' + l.aadObjectId, aadObjectId: l.aadObjectId, name: 'Bench User' }, recipient: { id: '28:bot', name: 'ResetDesk' },
        conversation: { id: 'a:' + l.aadObjectId, conversationType: 'personal', tenantId: w.tenantId }, channelData: { tenant: { id: w.tenantId } },
        replyToId: 'card-1', value: { action: { type: 'Action.Execute', verb: w.verb, data: { requestId: req.id, stepToken: req.stepToken, ...w.inputs } }, trigger: 'manual' },
      }) });
      const body = await res.json();
      used++;
      if (l.requests.length === 0) ok = res.status === 200;
      else { const t = nextToken(body.value, w.verb); if (res.status === 200 && t) { req.stepToken = t; ok = true; } }
    } catch (e) { ok = false; }
    const t1 = performance.now();
    if (t0 < warmupEnd) continue;
    if (ok) latencies.push(t1 - t0); else counts.errors++;
  }
}
(async () => {
  const warmupEnd = performance.now() + w.warmupMs;
  const end = warmupEnd + w.durationMs;
  const latencies = [];
  const counts = { errors: 0 };
  await Promise.all(w.lanes.map((l) => lane(l, warmupEnd, end, latencies, counts)));
  parentPort.postMessage({ latencies, errors: counts.errors });
})().catch((e) => parentPort.postMessage({ error: String(e && e.message) }));
`;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function runInvokeLoad(label: string, load: InvokeLoad): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: load });
    let measuredFrom: EventLoopUtilization | undefined;
    const warm = setTimeout(() => {
      measuredFrom = performance.eventLoopUtilization();
    }, load.warmupMs);
    worker.once('error', reject);
    worker.once('message', (m: { latencies?: number[]; errors?: number; error?: string }) => {
      clearTimeout(warm);
      const busy = measuredFrom ? performance.eventLoopUtilization(measuredFrom) : undefined;
      void worker.terminate();
      if (m.error || !m.latencies) return reject(new Error(`load generator: ${m.error}`));
      const latencies = m.latencies.sort((a, b) => a - b);
      const seconds = load.durationMs / 1000;
      resolve({
        label,
        requests: latencies.length,
        errors: m.errors ?? 0,
        seconds,
        perSecond: latencies.length / seconds,
        p50Ms: percentile(latencies, 50),
        p90Ms: percentile(latencies, 90),
        p99Ms: percentile(latencies, 99),
        busyUsPerRequest: busy && latencies.length > 0 ? (busy.active * 1000) / latencies.length : NaN,
        // The generator shares this process (other threads), so only the event loop's busy time is known here.
        cpuUsPerRequest: NaN,
      });
    });
  });
}

export function formatResult(r: LoadResult): string {
  return `${r.label.padEnd(40)} ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p90 ${r.p90Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms  busy ${r.busyUsPerRequest.toFixed(0).padStart(4)} µs/req  cpu ${r.cpuUsPerRequest.toFixed(0).padStart(4)} µs/req  errors ${r.errors}`;
}

/**
 * The same closed loop driven by wrk (Debian package `wrk`) in its own
 * process: written in C, it takes far less CPU than a Node.js client, so more
 * of a small machine is left to the server under test. `warmupLanes` are
 * clicked through first in a separate run, so the measured lanes start fresh.
 */
// process.threadCpuUsage() arrived in Node.js 23.9; on older versions the CPU column reads NaN.
function threadCpu(since?: NodeJS.CpuUsage): NodeJS.CpuUsage {
  return typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage(since) : { user: NaN, system: NaN };
}

// One wrk thread drives several thousand requests a second; more threads only take CPU from the server.
const WRK_THREADS = 1;

export async function runWrkLoad(label: string, load: InvokeLoad & { warmupLanes?: Lane[] }): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'resetdesk-bench-'));
  try {
    const run = async (lanes: Lane[], ms: number): Promise<{ result: WrkResult; busy: EventLoopUtilization; cpuUs: number }> => {
      const file = join(dir, `lanes-${randomUUID()}.txt`);
      const header = `${load.serviceUrl} ${load.tenantId} ${load.verb} ${load.clicksPerRequest} ${Object.entries(load.inputs).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}`;
      const lines = lanes.map((l) => [l.aadObjectId, ...l.requests.flatMap((r) => [r.id, r.stepToken])].join(' '));
      await writeFile(file, [header, ...lines].join('\n') + '\n');
      const from = performance.eventLoopUtilization();
      const cpuFrom = threadCpu();
      const out = await new Promise<string>((resolve, reject) => {
        execFile('wrk', ['-t', String(WRK_THREADS), '-c', String(lanes.length), '-d', `${Math.max(1, Math.round(ms / 1000))}s`, '--timeout', '10s',
          '-s', join(__dirname, 'invoke-load.lua'), load.url, '--', file, String(WRK_THREADS)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`wrk failed (is the Debian package wrk installed?): ${err.message} ${stderr}`));
          else resolve(stdout);
        });
      });
      const busy = performance.eventLoopUtilization(from);
      const cpu = threadCpu(cpuFrom);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`wrk printed no result:\n${out}`);
      return { result: JSON.parse(line.slice('RESULT '.length)) as WrkResult, busy, cpuUs: cpu.user + cpu.system };
    };
    if (load.warmupMs > 0) await run(load.warmupLanes ?? load.lanes, load.warmupMs);
    const { result, busy, cpuUs } = await run(load.lanes, load.durationMs);
    const seconds = result.durationUs / 1e6;
    const ok = result.requests - result.errors;
    return {
      label,
      requests: ok,
      errors: result.errors,
      seconds,
      perSecond: ok / seconds,
      p50Ms: result.p50Us / 1000,
      p90Ms: result.p90Us / 1000,
      p99Ms: result.p99Us / 1000,
      busyUsPerRequest: ok > 0 ? (busy.active * 1000) / ok : NaN,
      cpuUsPerRequest: ok > 0 ? cpuUs / ok : NaN,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface WrkResult {
  requests: number;
  durationUs: number;
  errors: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
}
