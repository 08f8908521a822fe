// The journey's rules, specified use case by use case with in-memory ports
// (no DC, no Teams, no Graph): what each click answers and what it changes.
// The same rules are tried end to end against Samba in test/journey.
import { findAction } from '../../test/support/teams-client';
import type { CardJson } from '../../test/support/teams-client';
import { cancelRequest } from './cancel';
import { decideApproval } from './decide-approval';
import { findPerson, pickPerson, startForCaller } from './helpdesk';
import { finishJob } from './job-results';
import { submitPassword } from './new-password';
import { startRequest } from './start';
import { chooseMethod, submitCode } from './verify';
import { APPROVER_GROUP, createInMemoryWorld, HELPDESK_GROUP, lastCode, type InMemoryWorld } from './testing/in-memory-world';
import { render, type Answer, type View } from './views';
import { randomUUID } from 'node:crypto';
import { countCalls } from '../../test/support/count-calls';
import { RequestSnapshots } from './request-snapshots';

// One world for the file (a store takes a while to open); each test has people of its own.
let world: InMemoryWorld;
beforeAll(async () => {
  world = await createInMemoryWorld();
});
afterAll(async () => {
  await world.close();
});
afterEach(() => {
  world.agentsAlive = true;
});

const origin = { activityId: 'card-1', conversationId: 'a:1' };

/** The token a view's card carries on the button with this verb. */
function tokenOn(answer: Answer, verb: string): string {
  const action = findAction(render(answer as View) as unknown as CardJson, verb);
  if (!action?.data) throw new Error(`no ${verb} on ${(answer as View).view}`);
  return String(action.data.stepToken);
}

async function atCodeStep(w: InMemoryWorld, report?: Parameters<InMemoryWorld['reports']['set']>[1]) {
  const alice = w.addPerson('Alice Andersen');
  if (report) w.reports.set(alice.user.onPremisesSecurityIdentifier!, report);
  const requestId = randomUUID();
  const choose = await startRequest(w.deps, w.actor(alice), 'reset', requestId, origin);
  expect(choose).toMatchObject({ view: 'chooseMethod' });
  const code = await chooseMethod(w.deps, w.actor(alice), requestId, tokenOn(choose, 'verify.chooseMethod'), 'email');
  return { alice, requestId, code, sent: lastCode(w.mails.at(-1)!.text) };
}

describe('self-service, specified without a DC', () => {
  test('choosing e-mail sends one code and shows the card that asks for it', async () => {
    const { code } = await atCodeStep(world);
    expect(code).toMatchObject({ view: 'enterCode', data: { destination: { kind: 'email', address: 'a•••@example.net' } } });
    expect(world.mails.filter((m) => m.to.startsWith('alice.home'))).toHaveLength(1);
  });

  test("the enter-code card's token on \"choose a method\" is refused and sends nothing", async () => {
    const { alice, requestId, code } = await atCodeStep(world);
    const mails = world.mails.length;
    await expect(chooseMethod(world.deps, world.actor(alice), requestId, tokenOn(code, 'verify.submitCode'), 'email')).rejects.toMatchObject({ code: 'STEP_OVER' });
    expect(world.mails).toHaveLength(mails);
  });

  test('a wrong code says how many tries are left; the right one leads to the new-password card, which promises no history the DC will not enforce', async () => {
    const { alice, requestId, code, sent } = await atCodeStep(world);
    const wrong = await submitCode(world.deps, world.actor(alice), requestId, tokenOn(code, 'verify.submitCode'), sent === '111111' ? '222222' : '111111');
    expect(wrong).toMatchObject({ view: 'enterCode', data: { notice: { kind: 'wrongCode', triesLeft: 4 } } });
    const right = await submitCode(world.deps, world.actor(alice), requestId, tokenOn(wrong, 'verify.submitCode'), sent);
    expect(right).toMatchObject({ view: 'newPassword', data: { rules: { minLength: 12 } } });
    expect((right as { data: { rules: object } }).data.rules).not.toHaveProperty('historyLength');
  });

  test('where the DC enforces history on resets, the card promises it and the job asks for it', async () => {
    const { alice, requestId, code, sent } = await atCodeStep(world, { historyEnforcedOnReset: true });
    const card = await submitCode(world.deps, world.actor(alice), requestId, tokenOn(code, 'verify.submitCode'), sent);
    expect(card).toMatchObject({ view: 'newPassword', data: { rules: { historyLength: 5 } } });
    const working = await submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!');
    expect(working).toMatchObject({ view: 'working' });
    expect(world.jobs.at(-1)).toMatchObject({ kind: 'reset', options: { enforceHistory: true } });
  });

  /** Runs `fn` while counting the accounts agents are asked about. */
  async function countingChecks(fn: (asked: string[]) => Promise<void>): Promise<void> {
    const asked: string[] = [];
    const inspect = world.deps.writeback.inspect;
    world.deps.writeback.inspect = (target, o) => (asked.push(target.sid ?? ''), inspect(target, o));
    try {
      await fn(asked);
    } finally {
      world.deps.writeback.inspect = inspect;
    }
  }

  test('the new-password card and the submission use what the agent said when the journey started: one account check per reset', async () => {
    await countingChecks(async (asked) => {
      const { alice, requestId, code, sent } = await atCodeStep(world);
      const card = await submitCode(world.deps, world.actor(alice), requestId, tokenOn(code, 'verify.submitCode'), sent);
      expect(card).toMatchObject({ view: 'newPassword' });
      const working = await submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!');
      expect(working).toMatchObject({ view: 'working' });
      expect(asked).toEqual([alice.user.onPremisesSecurityIdentifier]);
    });
  });

  test('a check older than five minutes is made again when the password comes, and what it says now applies', async () => {
    await countingChecks(async (asked) => {
      const { alice, requestId, code, sent } = await atCodeStep(world);
      const card = await submitCode(world.deps, world.actor(alice), requestId, tokenOn(code, 'verify.submitCode'), sent);
      world.clock.advance(5 * 60_000 + 1_000);
      world.reports.set(alice.user.onPremisesSecurityIdentifier!, { historyEnforcedOnReset: true });
      const working = await submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!');
      expect(working).toMatchObject({ view: 'working' });
      expect(asked).toHaveLength(2);
      expect(world.jobs.at(-1)).toMatchObject({ kind: 'reset', requestId, options: { enforceHistory: true } });
    });
  });

  /** A code step passed on this replica: the new-password card it showed. */
  async function atPasswordStep() {
    const { alice, requestId, code, sent } = await atCodeStep(world);
    const card = await submitCode(world.deps, world.actor(alice), requestId, tokenOn(code, 'verify.submitCode'), sent);
    expect(card).toMatchObject({ view: 'newPassword' });
    return { alice, requestId, card };
  }

  test('the new password is decided on the request as this replica showed it: the request is not read again', async () => {
    const { alice, requestId, card } = await atPasswordStep();
    const reads = countCalls(world.store, 'getRequest');
    const working = await submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!');
    expect(working).toMatchObject({ view: 'working' });
    expect(reads.calls).toBe(0);
    expect(world.jobs.at(-1)).toMatchObject({ kind: 'reset', requestId });
    expect(await world.store.getRequest(requestId)).toMatchObject({ state: 'queued' });
  });

  test('a password for a request closed since its card was shown is refused on a fresh read, and nothing is queued', async () => {
    const { alice, requestId, card } = await atPasswordStep();
    await cancelRequest(world.deps, world.actor(alice), requestId, tokenOn(card, 'request.cancel'));
    await expect(submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!'))
      .rejects.toMatchObject({ code: 'STEP_OVER' });
    // Decided on the stale snapshot, a job was sealed; the guarded write refused it, so none was queued.
    expect(await world.store.listJobsForRequest(requestId)).toEqual([]);
    expect(await world.store.getRequest(requestId)).toMatchObject({ state: 'closed' });
  });

  test('a newer card shown by another replica is honoured: the stale snapshot gives way to a fresh read', async () => {
    const { alice, requestId, card } = await atPasswordStep();
    // Another replica (snapshots of its own) refuses a weak password and shows the card again, with a new token.
    const other = { ...world.deps, snapshots: new RequestSnapshots() };
    const again = await submitPassword(other, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'short', 'short');
    expect(again).toMatchObject({ view: 'newPassword' });
    const working = await submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(again, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!');
    expect(working).toMatchObject({ view: 'working' });
    expect(world.jobs.at(-1)).toMatchObject({ kind: 'reset', requestId });
  });

  /** A reset queued and its job reported done by an agent: the claim the delivery makes, with the request as it read it. */
  async function resultClaimed() {
    await world.store.expireJobs(new Date(world.clock.now().getTime() + 3_600_000));
    const { alice, requestId, card } = await atPasswordStep();
    await submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!');
    const [job] = await world.store.listJobsForRequest(requestId);
    expect(await world.store.leaseJob('agent-1', 60_000)).toMatchObject({ id: job!.id });
    await world.store.completeJob(job!.id, 'agent-1', { outcome: 'succeeded', result: { code: 'OK', message: 'Password set.' } });
    const claim = (await world.store.claimJobDelivery(job!.id, 60_000))!;
    expect(claim.request).toMatchObject({ id: requestId, state: 'queued' });
    return { requestId, claim, event: { job: claim.job, outcome: 'succeeded' as const, code: 'OK', message: 'Password set.', request: claim.request } };
  }

  const stepsOf = async (requestId: string) => (await world.store.listAudit({ requestId })).map((e) => e.action).filter((a) => a.startsWith('job.') || a.startsWith('request.'));

  test('a result is acted on as the delivery claim read the request: no read of its own, and applying and the end written at once, each audited in order', async () => {
    const { requestId, event } = await resultClaimed();
    const reads = countCalls(world.store, 'getRequest');
    const writes = countCalls(world.store, 'transitionFrom');
    await finishJob(world.deps, event);
    expect([reads.calls, writes.calls]).toEqual([0, 1]);
    expect(await world.store.getRequest(requestId)).toMatchObject({ state: 'succeeded', stepTokenHash: null });
    expect((await stepsOf(requestId)).slice(-2)).toEqual(['job.leased', 'request.succeeded']);
    expect(await world.store.verifyAuditChain()).toMatchObject({ ok: true });
    expect(JSON.stringify(world.updated.at(-1)!.card)).toMatch(/password was changed/i);
  });

  test('a request that moved since the claim read it: the stale write changes nothing, and the result is acted on once, on a fresh read', async () => {
    const { requestId, event } = await resultClaimed();
    // Another step moved the request after the claim read it (its version grew).
    await world.store.transitionFrom(event.request!, {}, { actor: { kind: 'system' }, action: 'test.touched' });
    const reads = countCalls(world.store, 'getRequest');
    await finishJob(world.deps, event);
    expect(reads.calls).toBe(1);
    expect(await world.store.getRequest(requestId)).toMatchObject({ state: 'succeeded' });
    const steps = await stepsOf(requestId);
    expect(steps.filter((a) => a === 'job.leased')).toHaveLength(1);
    expect(steps.filter((a) => a === 'request.succeeded')).toHaveLength(1);
    expect(JSON.stringify(world.updated.at(-1)!.card)).toMatch(/password was changed/i);
  });

  test('a password that comes when no agent is alive is refused at once, though the check it would reuse is fresh: nothing is queued', async () => {
    const { alice, requestId, code, sent } = await atCodeStep(world);
    const card = await submitCode(world.deps, world.actor(alice), requestId, tokenOn(code, 'verify.submitCode'), sent);
    const jobs = world.jobs.length;
    world.agentsAlive = false;
    const answer = await submitPassword(world.deps, world.actor(alice), 'password.submit', requestId, tokenOn(card, 'password.submit'), 'Very-New-Passw0rd!', 'Very-New-Passw0rd!');
    expect(answer).toMatchObject({ view: 'directoryUnreachable' });
    expect(world.jobs).toHaveLength(jobs);
  });

  test('cancel closes the request; its card buttons are dead after', async () => {
    const { alice, requestId, code } = await atCodeStep(world);
    expect(await cancelRequest(world.deps, world.actor(alice), requestId, tokenOn(code, 'request.cancel'))).toMatchObject({ view: 'cancelled' });
    await expect(cancelRequest(world.deps, world.actor(alice), requestId, tokenOn(code, 'request.cancel'))).rejects.toMatchObject({ code: 'STEP_OVER' });
    expect(await world.store.getRequest(requestId)).toMatchObject({ state: 'closed' });
  });

  test('with no agent alive, the person is told at once and nothing is started', async () => {
    world.agentsAlive = false;
    const alice = world.addPerson('Alice Andersen');
    expect(await startRequest(world.deps, world.actor(alice), 'unlock', randomUUID(), origin)).toMatchObject({ view: 'directoryUnreachable' });
  });
});

describe('approvals, specified without a DC', () => {
  async function awaitingApproval(w: InMemoryWorld, group = 'Domain Admins') {
    const admin = w.addPerson('Erin Admin');
    w.reports.set(admin.user.onPremisesSecurityIdentifier!, { privileged: true, privilegedBecause: [`member of ${group}`], privilegeGroups: [group] });
    const requestId = randomUUID();
    let view: Answer = await startRequest(w.deps, w.actor(admin), 'unlock', requestId, origin);
    for (const method of ['email', 'sms'] as const) {
      view = await chooseMethod(w.deps, w.actor(admin), requestId, tokenOn(view, 'verify.chooseMethod'), method);
      const sent = lastCode(method === 'email' ? w.mails.at(-1)!.text : w.texts.at(-1)!.text);
      view = await submitCode(w.deps, w.actor(admin), requestId, tokenOn(view, 'verify.submitCode'), sent);
    }
    expect(view).toMatchObject({ view: 'awaitingApproval' });
    return { admin, requestId };
  }

  test('a tier-0 account waits for two different approvers; the card in the channel says how far it is and why', async () => {
    const { requestId } = await awaitingApproval(world);
    const post = world.posted.at(-1)!;
    expect(JSON.stringify(post.card)).toContain('member of Domain Admins');
    const stepToken = String(findAction(post.card as unknown as CardJson, 'approval.approve')!.data!.stepToken);
    const [ann, bob] = [world.addPerson('Ann Approver', { groups: [APPROVER_GROUP] }), world.addPerson('Bob Approver', { groups: [APPROVER_GROUP] })];
    const first = await decideApproval(world.deps, world.actor(ann), requestId, { via: 'card', stepToken }, { outcome: 'approved' });
    expect(first).toMatchObject({ view: 'approvalRequest', data: { approvedBy: ['Ann Approver'], approvalsRequired: 2 } });
    expect(await decideApproval(world.deps, world.actor(ann), requestId, { via: 'card', stepToken }, { outcome: 'approved' })).toMatchObject({ privateNotice: expect.stringMatching(/already approved/) });
    const second = await decideApproval(world.deps, world.actor(bob), requestId, { via: 'card', stepToken }, { outcome: 'approved' });
    expect(second).toMatchObject({ view: 'approvalResolved', data: { decision: { outcome: 'approved' } } });
    expect(world.jobs.at(-1)).toMatchObject({ kind: 'unlock', options: { approvedPrivileged: true } });
  });

  test('someone outside the approver group is told privately and nothing changes', async () => {
    const { requestId } = await awaitingApproval(world);
    const stepToken = String(findAction(world.posted.at(-1)!.card as unknown as CardJson, 'approval.approve')!.data!.stepToken);
    const outsider = world.addPerson('Oscar Outsider');
    expect(await decideApproval(world.deps, world.actor(outsider), requestId, { via: 'card', stepToken }, { outcome: 'approved' })).toMatchObject({ privateNotice: expect.stringMatching(/Only members of the approver group/) });
    expect(await world.store.getRequest(requestId)).toMatchObject({ state: 'awaiting_approval', approvedBy: [] });
  });

  test('the console decides without the card\'s token, under the same rules', async () => {
    const { admin, requestId } = await awaitingApproval(world, 'Backup Operators');
    expect(await decideApproval(world.deps, world.actor(admin), requestId, { via: 'console' }, { outcome: 'approved' })).toMatchObject({ privateNotice: expect.stringMatching(/Only members of the approver group/) });
    const ann = world.addPerson('Ann Approver', { groups: [APPROVER_GROUP] });
    expect(await decideApproval(world.deps, world.actor(ann), requestId, { via: 'console' }, { outcome: 'denied', reason: ' ' })).toMatchObject({ privateNotice: expect.stringMatching(/Say why/) });
    expect(await decideApproval(world.deps, world.actor(ann), requestId, { via: 'console' }, { outcome: 'approved' })).toMatchObject({ view: 'approvalResolved' });
    expect(await world.store.getRequest(requestId)).toMatchObject({ state: 'queued', approvedBy: [ann.user.id] });
    expect(await decideApproval(world.deps, world.actor(ann), requestId, { via: 'console' }, { outcome: 'approved' })).toEqual({ privateNotice: expect.stringMatching(/already decided/) });
  });

  test('an approval in the console and a deny on the card at the same moment make exactly one decision, whichever lands first', async () => {
    for (const order of ['together', 'console first', 'card first'] as const) {
      const { requestId } = await awaitingApproval(world, 'Backup Operators');
      const stepToken = String(findAction(world.posted.at(-1)!.card as unknown as CardJson, 'approval.approve')!.data!.stepToken);
      const [ann, bob] = [world.addPerson('Ann Approver', { groups: [APPROVER_GROUP] }), world.addPerson('Bob Approver', { groups: [APPROVER_GROUP] })];
      const inConsole = () => decideApproval(world.deps, world.actor(ann), requestId, { via: 'console' }, { outcome: 'approved' });
      const onCard = () => decideApproval(world.deps, world.actor(bob), requestId, { via: 'card', stepToken }, { outcome: 'denied', reason: 'Not during the change freeze' });
      const answers = order === 'together' ? await Promise.all([inConsole(), onCard()])
        : order === 'console first' ? [await inConsole(), await onCard()] : [await onCard(), await inConsole()];
      expect(answers.filter((a) => 'view' in a)).toHaveLength(1);
      expect(answers.filter((a) => 'privateNotice' in a)).toEqual([{ privateNotice: expect.stringMatching(/same moment|already decided/) }]);
      expect(await world.store.listApprovals(requestId)).toHaveLength(1);
    }
  });
});

describe('the helpdesk, specified without a DC', () => {
  test('search, pick, unlock for a caller verified by a code they read back; the result card and the owner are told', async () => {
    const hank = world.addPerson('Hank Helpdesk', { groups: [HELPDESK_GROUP] });
    const ulla = world.addPerson('Ulla Unlock');
    await world.store.expireJobs(new Date(world.clock.now().getTime() + 3_600_000));
    expect(await findPerson(world.deps, world.actor(hank), 'Ulla')).toMatchObject({ view: 'helpdeskMatches', data: { people: [{ personId: ulla.user.id }] } });
    expect(await pickPerson(world.deps, world.actor(hank), ulla.user.id)).toMatchObject({ view: 'helpdeskAccount', data: { approvalReasons: [] } });
    const requestId = randomUUID();
    const methods = await startForCaller(world.deps, world.actor(hank), 'unlock', ulla.user.id, 'INC-1', requestId, origin);
    expect(methods).toMatchObject({ view: 'chooseMethod', data: { audience: 'helpdesk', personName: 'Ulla Unlock' } });
    const code = await chooseMethod(world.deps, world.actor(hank), requestId, tokenOn(methods, 'verify.chooseMethod'), 'sms');
    const working = await submitCode(world.deps, world.actor(hank), requestId, tokenOn(code, 'verify.submitCode'), lastCode(world.texts.at(-1)!.text));
    expect(working).toMatchObject({ view: 'working' });
    const job = await world.store.listJobsForRequest(requestId);
    await world.store.leaseJob('agent-1', 60_000);
    const done = await world.store.completeJob(job[0]!.id, 'agent-1', { outcome: 'succeeded', result: { code: 'OK', message: 'Unlocked.' } });
    await finishJob(world.deps, { job: done, outcome: 'succeeded', code: 'OK', message: 'Unlocked.' });
    expect(JSON.stringify(world.updated.at(-1)!.card)).toContain('Account unlocked');
    expect(world.sent.some((s) => s.to === ulla.user.id && JSON.stringify(s.card).includes('The helpdesk unlocked your account'))).toBe(true);
    expect(world.mails.some((m) => m.subject === 'The IT helpdesk unlocked your account' && m.text.includes('INC-1'))).toBe(true);
  });

  test('someone outside the helpdesk group finds nobody; nobody starts a request for themselves', async () => {
    const hank = world.addPerson('Hank Helpdesk', { groups: [HELPDESK_GROUP] });
    const outsider = world.addPerson('Oscar Outsider');
    await expect(findPerson(world.deps, world.actor(outsider), 'Hank')).rejects.toMatchObject({ code: 'HELPDESK_NOT_MEMBER' });
    await expect(startForCaller(world.deps, world.actor(hank), 'reset', hank.user.id, 'INC-2', randomUUID(), origin)).rejects.toMatchObject({ code: 'HELPDESK_SELF' });
  });

  test('a reset for someone with no phone or alternate e-mail is refused before anything is set', async () => {
    const hank = world.addPerson('Hank Helpdesk', { groups: [HELPDESK_GROUP] });
    const nora = world.addPerson('Nora Noaddress', { methods: { emails: [], phones: [] } });
    const jobs = world.jobs.length;
    const answer = await startForCaller(world.deps, world.actor(hank), 'reset', nora.user.id, 'INC-3', randomUUID(), origin);
    expect(answer).toMatchObject({ view: 'helpdeskFind', data: { error: expect.stringMatching(/no mobile number or alternate e-mail/) } });
    expect(world.jobs).toHaveLength(jobs);
  });
});
