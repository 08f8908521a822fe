// A small closed-loop load generator: `concurrency` workers each send one
// request, wait for its answer, and send the next, for `durationMs`.
// Reports throughput and latency percentiles; used by every benchmark here.
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** `send(worker)` performs one request and resolves true when it succeeded. */
export async function runLoad(label: string, opts: { concurrency: number; durationMs: number; warmupMs?: number }, send: (worker: number) => Promise<boolean>): Promise<LoadResult> {
  const warmupEnd = performance.now() + (opts.warmupMs ?? 0);
  const end = warmupEnd + opts.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, worker) => {
      for (;;) {
        const t0 = performance.now();
        if (t0 >= end) return;
        const ok = await send(worker).catch((err: unknown) => {
          if (process.env.BENCH_DEBUG) console.error(err);
          return false;
        });
        const t1 = performance.now();
        if (t0 < warmupEnd) continue;
        if (ok) latencies.push(t1 - t0);
        else errors++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const seconds = opts.durationMs / 1000;
  return {
    label,
    requests: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
  };
}

export function formatResult(r: LoadResult): string {
  return `${r.label.padEnd(38)} ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p90 ${r.p90Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms  errors ${r.errors}`;
}
