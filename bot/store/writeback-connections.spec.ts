import { randomBytes, randomUUID } from 'node:crypto';
import { engineOf } from './open-store';
import { createTestStore, within, type TestStore } from './testing';

// On PostgreSQL the writeback agents' calls have connections of their own: a
// burst of chat steps that takes every connection of the main pool must not
// hold back an agent's lease, token check or report (the resets that burst's
// people are waiting for). PGlite is one connection, so this is PostgreSQL's.

describe('the writeback agents on PostgreSQL', () => {
  let ts: TestStore;

  beforeAll(async () => {
    ts = await createTestStore('postgres');
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('lease, check their tokens and report while chat traffic holds every main connection', async () => {
    const { store } = ts;
    const agent = await store.registerAgent(
      {
        name: 'busy-day-agent',
        signingJwk: { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url'), kid: 'sig' },
        encryptionJwk: { kty: 'EC', crv: 'P-256', x: 'eA', y: 'eQ' },
        managedOus: ['OU=Staff,DC=contoso,DC=com'],
      },
      { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.registered' },
    );
    const job = await store.enqueueJob({ kind: 'inspect', signedJob: `eyJ.${randomBytes(8).toString('base64url')}.sig`, expiresAt: new Date(Date.now() + 10 * 60_000) });

    // Far more chat-side transactions than the main pool has connections, each held open.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const chat = Array.from({ length: 40 }, () => engineOf(store).transaction(async (tx) => {
      await tx.query('SELECT 1');
      await gate;
    }));
    let chatStepDone = false;
    const chatStep = store.getJob(job.id).then(() => (chatStepDone = true));
    try {
      const remembered = await within(store.rememberAgentTokenId(agent.id, randomUUID(), new Date(Date.now() + 120_000)), 5000, 'token check');
      expect(remembered).toMatchObject({ fresh: true, agent: { id: agent.id } });
      await within(store.touchAgent(agent.id, '1.2.3'), 5000, 'check-in');
      const leased = await within(store.leaseJob(agent.id, 60_000), 5000, 'lease');
      expect(leased).toMatchObject({ id: job.id, state: 'leased', leaseOwner: agent.id });
      const done = await within(store.completeJob(job.id, agent.id, { outcome: 'succeeded', result: { code: 'OK', message: 'Done.' } }), 5000, 'report');
      expect(done).toMatchObject({ state: 'succeeded' });
      // The premise: the chat side really was out of connections all along.
      expect(chatStepDone).toBe(false);
    } finally {
      open();
      await Promise.all([...chat, chatStep]);
    }
    expect(chatStepDone).toBe(true);
    expect(await store.getJob(job.id)).toMatchObject({ state: 'succeeded' });
  });
});
