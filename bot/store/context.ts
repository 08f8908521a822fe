import type { Engine } from './engine';

export interface StoreContext {
  db: Engine;
  now: () => Date;
}

export const JOB_QUEUED_CHANNEL = 'resetdesk_job_queued';
export const JOB_FINISHED_CHANNEL = 'resetdesk_job_finished';
