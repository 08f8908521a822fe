import { FreshRead } from './fresh-read';

/** A read whose answers the test releases one by one; each read answers with its own number. */
function controlledRead(): { read: () => Promise<number>; started: () => number; finish: () => void; fail: () => void } {
  const pending: Array<{ resolve: (n: number) => void; reject: (e: Error) => void; n: number }> = [];
  let count = 0;
  return {
    read: () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject, n: ++count })),
    started: () => count,
    finish: () => { const p = pending.shift()!; p.resolve(p.n); },
    fail: () => pending.shift()!.reject(new Error('read failed')),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FreshRead', () => {
  it('answers callers who asked before a read started with that read, and later callers with a new one', async () => {
    const c = controlledRead();
    const shared = new FreshRead(c.read);
    const first = shared.get();
    expect(c.started()).toBe(1);
    // Asked while read 1 runs: read 1 may predate what they need to see, so they wait for read 2.
    const second = shared.get();
    const third = shared.get();
    expect(c.started()).toBe(1);
    c.finish();
    expect(await first).toBe(1);
    await tick();
    expect(c.started()).toBe(2);
    // Asked while read 2 runs: read 3.
    const fourth = shared.get();
    c.finish();
    expect(await second).toBe(2);
    expect(await third).toBe(2);
    await tick();
    expect(c.started()).toBe(3);
    c.finish();
    expect(await fourth).toBe(3);
  });

  it('reads again for a caller who asks after every read has ended', async () => {
    const c = controlledRead();
    const shared = new FreshRead(c.read);
    const a = shared.get();
    c.finish();
    expect(await a).toBe(1);
    const b = shared.get();
    expect(c.started()).toBe(2);
    c.finish();
    expect(await b).toBe(2);
  });

  it('gives a failed read\'s error to its callers only; the waiting callers get the next read', async () => {
    const c = controlledRead();
    const shared = new FreshRead(c.read);
    const first = shared.get();
    const second = shared.get();
    c.fail();
    await expect(first).rejects.toThrow('read failed');
    await tick();
    expect(c.started()).toBe(2);
    c.finish();
    expect(await second).toBe(2);
  });
});
