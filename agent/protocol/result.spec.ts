import { JOB_REFUSAL_CODES } from './errors';
import { JobResultSchema } from './result';

describe('the result an agent reports', () => {
  it('accepts a success', () => {
    expect(JobResultSchema.parse({ jobId: 'job-1', outcome: 'succeeded', code: 'OK', message: 'Your password was changed.' })).toMatchObject({ code: 'OK' });
  });

  it('accepts a typed failure with a message safe to show', () => {
    const r = JobResultSchema.parse({
      jobId: 'job-1',
      outcome: 'failed',
      code: 'AGENT_POLICY_VIOLATION',
      message: 'The new password does not meet the domain password policy.',
    });
    expect(r.code).toBe('AGENT_POLICY_VIOLATION');
  });

  it.each(JOB_REFUSAL_CODES)('reports the refusal of a job it could not trust as %s', (code) => {
    expect(JobResultSchema.safeParse({ jobId: 'job-1', outcome: 'failed', code, message: 'The job was refused.' }).success).toBe(true);
  });

  it('carries account status for an inspect job', () => {
    const r = JobResultSchema.parse({
      jobId: 'job-2',
      outcome: 'succeeded',
      code: 'OK',
      message: 'Account status read.',
      inspect: { locked: true, disabled: false, mustChange: false, passwordExpiresAt: '2026-03-01T00:00:00Z', privileged: false, inScope: true },
    });
    expect(r.inspect?.locked).toBe(true);
  });

  it.each([
    ['a success with a failure code', { outcome: 'succeeded', code: 'AGENT_USER_NOT_FOUND' }],
    ['a failure with the success code', { outcome: 'failed', code: 'OK' }],
    ['an unknown code', { outcome: 'failed', code: 'AGENT_SOMETHING' }],
    ['an over-long message', { outcome: 'failed', code: 'AGENT_INTERNAL_ERROR', message: 'x'.repeat(501) }],
    ['a multi-line message', { outcome: 'failed', code: 'AGENT_INTERNAL_ERROR', message: 'line one\nline two' }],
    ['an empty message', { outcome: 'failed', code: 'AGENT_INTERNAL_ERROR', message: '   ' }],
    ['status on a failure', { outcome: 'failed', code: 'AGENT_USER_NOT_FOUND', inspect: { locked: false, disabled: false, mustChange: false, passwordExpiresAt: null, privileged: false, inScope: true } }],
    ['an unknown field', { outcome: 'succeeded', code: 'OK', password: 'x' }],
  ])('refuses %s', (_label, change) => {
    expect(JobResultSchema.safeParse({ jobId: 'job-1', message: 'Something happened.', ...change }).success).toBe(false);
  });

  const report = { locked: false, disabled: false, mustChange: false, passwordExpiresAt: null, inScope: true };

  it('tells the approver why an account is privileged, its password\'s age and state, and whether resets check history', () => {
    const r = JobResultSchema.parse({
      jobId: 'job-3',
      outcome: 'succeeded',
      code: 'OK',
      message: 'Account status read.',
      inspect: {
        ...report,
        privileged: true,
        privilegedBecause: ['member of Domain Admins through Tier0 Operators', 'adminCount is set'],
        passwordExpired: true,
        passwordLastSetAt: '2026-01-01T00:00:00.000Z',
        historyEnforcedOnReset: false,
      },
    });
    expect(r.inspect).toMatchObject({ privilegedBecause: ['member of Domain Admins through Tier0 Operators', 'adminCount is set'], historyEnforcedOnReset: false });
  });

  it.each([
    ['a privileged account without a reason', { privileged: true, privilegedBecause: [] }],
    ['an ordinary account with a reason', { privileged: false, privilegedBecause: ['member of Domain Admins'] }],
    ['a reason on two lines', { privileged: true, privilegedBecause: ['member of\nDomain Admins'] }],
    ['an over-long reason', { privileged: true, privilegedBecause: ['x'.repeat(161)] }],
    ['too many reasons', { privileged: true, privilegedBecause: Array.from({ length: 9 }, (_, i) => `member of Group ${i}`) }],
    ['a last-set time that is not a time', { privileged: false, passwordLastSetAt: 'yesterday' }],
    ['history as text', { privileged: false, historyEnforcedOnReset: 'yes' }],
  ])('refuses an inspect report with %s', (_label, change) => {
    expect(JobResultSchema.safeParse({ jobId: 'job-3', outcome: 'succeeded', code: 'OK', message: 'Account status read.', inspect: { ...report, ...change } }).success).toBe(false);
  });
});
