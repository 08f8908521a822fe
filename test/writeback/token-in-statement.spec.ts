// The calls of every job (write start, result) spend the agent's token in the
// statement that makes their change, once the replica knows the agent: no
// round trip of their own for the token. A replayed token, a revoked agent or
// a refused body changes nothing, answered as the token check always was.
import { createLeaseToken } from '../../agent/protocol';
import { testEngines } from '../../bot/store/testing';
import { countCalls, type CallCount } from '../support/count-calls';
import { AUDIENCE, useGatewayWithAgent } from './writeback-harness';

jest.setTimeout(60_000);

describe.each(testEngines())('on %s', (engine) => {
  const world = useGatewayWithAgent('token-in-statement', engine);
  let tokenChecks: CallCount;
  beforeAll(() => {
    tokenChecks = countCalls(world.ts.store, 'rememberAgentTokenId');
  });

  const post = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${world.replica.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const tokenOf = () => createLeaseToken(world.agent.keys.privateJwks.signingJwk, { agentId: world.agent.agentId, audience: AUDIENCE });
  const done = (jobId: string) => ({ jobId, outcome: 'succeeded', code: 'OK', message: 'Unlocked.' });

  /** A job leased to the agent (its lease call makes the agent known to the replica): its id and lease id. */
  async function leased(): Promise<{ jobId: string; leaseId: string }> {
    const id = await world.enqueue();
    const { status, json } = await post('/api/agent/lease', await tokenOf(), { waitMs: 0 });
    expect(status).toBe(200);
    const { jobId, leaseId } = (json as { job: { jobId: string; leaseId: string } }).job;
    expect(jobId).toBe(id);
    return { jobId, leaseId };
  }

  test('a write start and a result cost no token call of their own; the same token again is refused and changes nothing', async () => {
    const { jobId, leaseId } = await leased();
    const before = tokenChecks.calls;
    const startToken = await tokenOf();
    expect(await post('/api/agent/write-start', startToken, { jobId, leaseId, passwordVersion: 4 })).toMatchObject({ status: 200, json: { passwordVersion: 4 } });
    const resultToken = await tokenOf();
    expect(await post('/api/agent/result', resultToken, done(jobId))).toMatchObject({ status: 200, json: { state: 'succeeded' } });
    expect(tokenChecks.calls - before).toBe(0);

    const second = await leased();
    const afterLease = await world.ts.store.getJob(second.jobId);
    expect(await post('/api/agent/write-start', startToken, { ...second, passwordVersion: 9 })).toMatchObject({ status: 401, json: { code: 'PROTOCOL_TOKEN_REPLAYED' } });
    expect(await post('/api/agent/result', resultToken, done(second.jobId))).toMatchObject({ status: 401, json: { code: 'PROTOCOL_TOKEN_REPLAYED' } });
    expect(await world.ts.store.getJob(second.jobId)).toEqual(afterLease);
  });

  test('a token that came with a refused body is spent all the same', async () => {
    const { jobId } = await leased();
    const token = await tokenOf();
    expect(await post('/api/agent/result', token, { jobId, outcome: 'succeeded' })).toMatchObject({ status: 400, json: { code: 'GATEWAY_INVALID_INPUT' } });
    expect(await post('/api/agent/result', token, done(jobId))).toMatchObject({ status: 401, json: { code: 'PROTOCOL_TOKEN_REPLAYED' } });
    expect(await world.ts.store.getJob(jobId)).toMatchObject({ state: 'leased' });
  });

  test('an agent revoked after the replica came to know it is turned away by the statement itself, and its job is left as it was', async () => {
    const { jobId, leaseId } = await leased();
    await world.ts.store.revokeAgent(world.agent.agentId, { actor: { kind: 'admin', id: 'test' }, action: 'agent.revoked' });
    expect(await post('/api/agent/write-start', await tokenOf(), { jobId, leaseId, passwordVersion: 4 })).toMatchObject({ status: 403, json: { code: 'PROTOCOL_AGENT_REVOKED' } });
    expect(await post('/api/agent/result', await tokenOf(), done(jobId))).toMatchObject({ status: 403, json: { code: 'PROTOCOL_AGENT_REVOKED' } });
    expect(await world.ts.store.getJob(jobId)).toMatchObject({ state: 'leased', writeFromVersion: null });
  });
});
