import { LeasedJobSchema } from './job';
import { decideTakeOver, WriteStartAnswerSchema, WriteStartSchema, writeWindowMs } from './write-start';

describe('a job whose write may have started in an earlier lease', () => {
  it('was written when the password version grew by exactly one: reported, not written again', () => {
    expect(decideTakeOver(4, 5)).toEqual({ decision: 'applied' });
  });

  it('was not written when the version is unchanged: it is written now', () => {
    expect(decideTakeOver(4, 4)).toEqual({ decision: 'write' });
  });

  it('is neither claimed nor repeated when the password changed more than once since (or the version went back)', () => {
    expect(decideTakeOver(4, 6)).toEqual({ decision: 'changed-since' });
    expect(decideTakeOver(4, 3)).toEqual({ decision: 'changed-since' });
  });
});

describe('the write start on the wire', () => {
  it('names the job, the lease and a whole, non-negative version; nothing else', () => {
    expect(WriteStartSchema.safeParse({ jobId: 'j-1', leaseId: 'j-1.2', passwordVersion: 3 }).success).toBe(true);
    expect(WriteStartSchema.safeParse({ jobId: 'j-1', leaseId: 'j-1.2', passwordVersion: -1 }).success).toBe(false);
    expect(WriteStartSchema.safeParse({ jobId: 'j-1', leaseId: 'j-1.2', passwordVersion: 1.5 }).success).toBe(false);
    expect(WriteStartSchema.safeParse({ jobId: 'j-1', leaseId: 'j-1.2', passwordVersion: 3, password: 'x' }).success).toBe(false);
    expect(WriteStartAnswerSchema.safeParse({ jobId: 'j-1', passwordVersion: 3, writeWithinMs: 30_000 }).success).toBe(true);
  });

  it('rides on the lease only when an earlier lease announced a write', () => {
    const lease = { jobId: 'j-1', leaseId: 'j-1.2', leaseExpiresAt: '2030-01-01T00:00:00Z', jws: 'a.b.c' };
    expect(LeasedJobSchema.parse(lease)).not.toHaveProperty('earlierWrite');
    expect(LeasedJobSchema.parse({ ...lease, earlierWrite: { passwordVersion: 7 } }).earlierWrite).toEqual({ passwordVersion: 7 });
    expect(LeasedJobSchema.safeParse({ ...lease, earlierWrite: { passwordVersion: 7, by: 'x' } }).success).toBe(false);
  });

  it('leaves half the lease after the last moment a write may start', () => {
    expect(writeWindowMs(60_000)).toBe(30_000);
  });
});
