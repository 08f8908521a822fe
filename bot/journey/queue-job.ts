// Hands a request to the agents: seals any password to them, signs the job
// and queues it in the same transaction as the request's move to `queued`.
// When no agent is alive the request fails at once, so nobody waits on a job
// that nothing will take.
import { applyEvent } from '../domain/reset-request';
import { isResetDeskError } from '../errors';
import type { RequestPatch, ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import type { PrepareJobInput } from './ports';
import { startAgain } from './refusals';
import { commitTransition, toDomain } from './request-records';
import { view, type View } from './views';

export interface QueueOptions {
  /** Called when nothing was queued (no agent), e.g. to give back a counted use. */
  ifNotQueued?: () => Promise<void>;
  jobOptions?: PrepareJobInput['options'];
  /** More to write with the move to `queued`, in the same transaction (a sealed delivery copy). */
  patch?: RequestPatch;
}

export async function queueJob(
  deps: JourneyDeps, row: StoredRequest, kind: PrepareJobInput['kind'], secrets: { password?: string; currentPassword?: string }, opts: QueueOptions = {},
): Promise<View> {
  const request = toDomain(row);
  const notQueued = async (): Promise<View> => {
    await opts.ifNotQueued?.();
    return failForDirectory(deps, row);
  };
  if (!(await deps.writeback.agentsAlive())) return notQueued();
  let job;
  try {
    job = await deps.writeback.prepareJob({
      requestId: row.id,
      kind,
      target: { sid: request.subject.onPremisesSid },
      options: { approvedPrivileged: request.state === 'approved', ...opts.jobOptions },
      ...secrets,
    });
  } catch (err) {
    if (isResetDeskError(err, 'WRITEBACK_NO_AGENTS')) return notQueued();
    throw err;
  }
  const queued = applyEvent(request, { type: 'queued', jobId: job.id!, expiresAt: job.expiresAt }, deps.now());
  await commitTransition(deps.store, row, queued, { options: { enqueueJob: job }, ...(opts.patch ? { patch: opts.patch } : {}) });
  deps.metrics.requestTransitions.inc({ kind: row.kind, state: 'queued' });
  return view('working', { operation: row.kind });
}

export async function failForDirectory(deps: JourneyDeps, row: StoredRequest): Promise<View> {
  const failed = applyEvent(toDomain(row), { type: 'failed', code: 'DIRECTORY_UNREACHABLE', message: 'The on-premises directory cannot be reached right now.' }, deps.now());
  await commitTransition(deps.store, row, failed);
  return view('directoryUnreachable', { startAgain: startAgain() });
}
