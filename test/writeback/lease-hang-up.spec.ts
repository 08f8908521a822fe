// An agent that hangs up on its long-poll (it restarts, its network drops)
// must not be handed a job: the gateway would answer a closed socket and the
// job would sit with nobody until its lease ran out. The hang-up that matters
// comes while the gateway is still authenticating the call, before it starts
// watching the connection.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { createTestStore, type TestStore } from '../../bot/store/testing';
import { capturedLogger } from '../support/failures';
import { confirmedAgentInStore, newSigningKey, startReplica, type Replica } from './writeback-harness';

jest.setTimeout(60_000);

let ts: TestStore;
let replica: Replica;
let agent: Awaited<ReturnType<typeof confirmedAgentInStore>>;
const log = capturedLogger();

beforeAll(async () => {
  ts = await createTestStore('pglite');
  replica = await startReplica({ store: ts.store, signingKey: await newSigningKey(), logger: log.logger });
  agent = await confirmedAgentInStore(ts.store, 'hangs-up');
});
afterAll(async () => {
  await replica?.close();
  await ts?.cleanup();
});

/** Sends a lease call that waits up to `waitMs`, and hangs up as soon as it is out. */
async function leaseAndHangUp(waitMs: number): Promise<void> {
  const token = await agent.token();
  const body = JSON.stringify({ waitMs });
  const url = new URL(`${replica.url}/api/agent/lease`);
  await new Promise<void>((resolve) => {
    const req = request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
    });
    req.on('error', () => undefined);
    req.on('finish', () => {
      req.destroy();
      resolve();
    });
    req.end(body);
  });
}

test('a lease call whose agent hung up while it was authenticated leases nothing: a job queued meanwhile stays for the next agent', async () => {
  await leaseAndHangUp(5_000);
  // The call is now inside the gateway, its agent gone; a job arrives while it would still be waiting.
  await new Promise((r) => setTimeout(r, 300));
  const id = randomUUID();
  await ts.store.enqueueJob({ id, kind: 'unlock', signedJob: 'not.read.here', expiresAt: new Date(Date.now() + 600_000) });
  await new Promise((r) => setTimeout(r, 1_000));
  expect(await ts.store.getJob(id)).toMatchObject({ state: 'queued', attempts: 0, leaseOwner: null });
});
