import { setTimeout as sleep } from 'node:timers/promises';
import { engineOf } from './open-store';
import { asStepArrivedNow, OldestStepFirst } from './step-order';
import { createTestStore, type TestStore } from './testing';

// Connections go to the step that arrived first, so under a burst the first
// people get through (and their resets on to the agents) instead of everyone
// finishing together at the end.

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('OldestStepFirst', () => {
  it('runs at most as many tasks as it has slots', async () => {
    const slots = new OldestStepFirst(2);
    let running = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 8 }, () => slots.run(async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(5);
      running -= 1;
    })));
    expect(most).toBe(2);
  });

  it('gives a freed slot to the step that arrived first, not to the statement issued first', async () => {
    const slots = new OldestStepFirst(1);
    const order: string[] = [];
    const held = gate();
    const holder = slots.run(() => held.opened);
    // The older step issues its next statement only after the newer step's first one is waiting.
    const older = asStepArrivedNow(() => sleep(2).then(() => sleep(10)).then(() => slots.run(async () => void order.push('older, second statement'))));
    await sleep(5);
    const newer = asStepArrivedNow(() => slots.run(async () => void order.push('newer, first statement')));
    await sleep(20);
    held.open();
    await Promise.all([holder, older, newer]);
    expect(order).toEqual(['older, second statement', 'newer, first statement']);
  });

  it('keeps one step\'s statements in the order they were issued, and work outside a step counts as arriving when it asks', async () => {
    const slots = new OldestStepFirst(1);
    const order: string[] = [];
    const held = gate();
    const holder = slots.run(() => held.opened);
    const step = asStepArrivedNow(() => Promise.all([
      slots.run(async () => void order.push('step 1')),
      slots.run(async () => void order.push('step 2')),
    ]));
    await sleep(5);
    const background = slots.run(async () => void order.push('background'));
    const later = asStepArrivedNow(() => slots.run(async () => void order.push('later step')));
    held.open();
    await Promise.all([holder, step, background, later]);
    expect(order).toEqual(['step 1', 'step 2', 'background', 'later step']);
  });

  it('frees the slot of a task that fails', async () => {
    const slots = new OldestStepFirst(1);
    await expect(slots.run(async () => {
      throw new Error('statement failed');
    })).rejects.toThrow('statement failed');
    await expect(slots.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('PostgreSQL connections under a burst', () => {
  let ts: TestStore;

  beforeAll(async () => {
    ts = await createTestStore('postgres');
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('go to the earliest step when one frees up', async () => {
    const db = engineOf(ts.store);
    // Every main connection is busy, each until its own gate opens.
    const holds = Array.from({ length: 10 }, () => gate());
    const busy = holds.map((h) => db.transaction(() => h.opened));
    const served: string[] = [];
    const older = asStepArrivedNow(async () => {
      await sleep(20);
      await db.query('SELECT 1');
      served.push('older step');
    });
    await sleep(5);
    const newer = Array.from({ length: 5 }, (_, i) => asStepArrivedNow(async () => {
      await db.query('SELECT 1');
      served.push(`newer step ${i}`);
    }));
    await sleep(40);
    // One connection frees up: the step that arrived first gets it, though its statement was issued last.
    holds[0]!.open();
    await Promise.race([older, sleep(2000)]);
    expect(served).toEqual(['older step']);
    for (const h of holds) h.open();
    await Promise.all([...busy, older, ...newer]);
    expect(served).toHaveLength(6);
  });
});
