import { Backoff } from './backoff';

describe('reconnect back-off', () => {
  test('grows exponentially up to its cap, with full jitter, and starts over after a success', () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 1 });
    expect([top.next(), top.next(), top.next(), top.next(), top.next(), top.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    top.reset();
    expect(top.next()).toBe(100);
    const jittered = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
    expect([jittered.next(), jittered.next()]).toEqual([50, 100]);
    expect(new Backoff({ random: () => 0 }).next()).toBe(1);
  });
});
