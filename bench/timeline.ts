// Where one reset's time goes, read from the structured logs both processes
// already write (each carries `at`, a wall-clock time in ms with sub-ms
// precision, comparable between processes on one machine) and from the fake
// connector's record of the card update. Shared by the latency and wave benches.
import type { RecordedActivity } from '../test/support/fake-connector';

export const STAGES = [
  ['sealSign', 'seal and sign'],
  ['queueWake', 'queue and wake (queue commit, NOTIFY, lease query)'],
  ['lease', 'lease (the answer to the agent\'s long-poll)'],
  ['verifyOpen', 'verify and open (JWS, JWE)'],
  ['read', 'the account read (scope, protection, version, policy)'],
  ['journal', 'the journal\'s fsync (beside the write start)'],
  ['writeStart', 'the write start (to the service and back)'],
  ['modify', 'the modify'],
  ['report', 'the report (to the service and back)'],
  ['cardUpdate', 'the card update (result to the card PUT)'],
] as const;
export type Stage = (typeof STAGES)[number][0];

export interface ResetTimeline {
  jobId: string;
  /** From seal and sign to the card update sent, ms. */
  totalMs: number;
  /** From seal and sign to the agent's result recorded by the service (the password written and known), ms. */
  recordedMs: number;
  stages: Record<Stage, number>;
  /** Everything between the stages (the agent's own bookkeeping, event-loop waits), ms. */
  otherMs: number;
}

type Line = Record<string, unknown>;

function parse(text: string): Line[] {
  const out: Line[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Line);
    } catch {
      /* a torn line */
    }
  }
  return out;
}

/** Every job's timeline that can be put together from the logs and the card updates. */
export function timelines(serviceLogs: string, agentLogs: string, cardUpdates: RecordedActivity[], cardOfJob: (jobId: string) => string | undefined): ResetTimeline[] {
  const service = parse(serviceLogs);
  const agent = parse(agentLogs);
  const byJob = (lines: Line[], msg: string) => new Map(lines.filter((l) => l.msg === msg && typeof l.jobId === 'string').map((l) => [l.jobId as string, l]));
  const prepared = byJob(service, 'writeback: job prepared');
  const leased = byJob(service, 'job leased');
  const recorded = byJob(service, 'job result recorded');
  const succeeded = byJob(agent, 'job succeeded');
  const reported = byJob(agent, 'result reported');
  const out: ResetTimeline[] = [];
  for (const [jobId, p] of prepared) {
    if (p.kind !== 'reset') continue;
    const l = leased.get(jobId);
    const s = succeeded.get(jobId);
    const r = reported.get(jobId);
    const d = recorded.get(jobId);
    const cardId = cardOfJob(jobId);
    const put = cardId ? cardUpdates.find((a) => a.method === 'PUT' && a.activityId === cardId && (a.at ?? 0) >= (d?.at as number)) : undefined;
    const t = s?.timings as Record<string, number> | undefined;
    if (!l || !t || !r || !d || !put?.at) continue;
    const startedAt = p.startedAt as number;
    const stages: Record<Stage, number> = {
      sealSign: p.sealSignMs as number,
      queueWake: (l.at as number) - startedAt - (p.sealSignMs as number),
      lease: t.startedAt! - (l.at as number),
      verifyOpen: t.verifyOpenMs ?? 0,
      read: t.readMs ?? 0,
      journal: t.journalMs ?? 0,
      writeStart: t.writeStartMs ?? 0,
      modify: t.modifyMs ?? 0,
      report: r.reportMs as number,
      cardUpdate: put.at - (d.at as number),
    };
    const totalMs = put.at - startedAt;
    // The journal runs beside the write start: only the longer of the two is on the path.
    const onPath = Object.entries(stages).filter(([k]) => k !== 'journal' && k !== 'writeStart').reduce((n, [, v]) => n + v, 0) + Math.max(stages.journal, stages.writeStart);
    out.push({ jobId, totalMs, recordedMs: (d.at as number) - startedAt, stages, otherMs: totalMs - onPath });
  }
  return out;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const ms = (x: number): string => `${x.toFixed(1)} ms`;
