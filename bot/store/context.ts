import type { AuditSealer } from './audit-sealer';
import type { Engine } from './engine';

export interface StoreContext {
  db: Engine;
  now: () => Date;
  /** Chains entries the hot path left in the audit inbox. */
  sealer?: AuditSealer;
}

export const JOB_QUEUED_CHANNEL = 'resetdesk_job_queued';
export const JOB_FINISHED_CHANNEL = 'resetdesk_job_finished';
