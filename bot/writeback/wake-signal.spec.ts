import { WakeSignal } from './wake-signal';

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('WakeSignal', () => {
  test('one job wakes one waiter, the longest waiting', async () => {
    const wake = new WakeSignal();
    const a = wake.next().wait(10_000);
    const b = wake.next().wait(10_000);
    wake.fireOne();
    expect(await settled(a)).toBe(true);
    expect(await settled(b)).toBe(false);
    wake.fireAll();
    expect(await settled(b)).toBe(true);
  });

  test('a wake that comes before the wait (during the lease attempt) is kept', async () => {
    const wake = new WakeSignal();
    const w = wake.next();
    wake.fireOne();
    expect(await settled(w.wait(10_000))).toBe(true);
  });

  test('a woken waiter that leaves without acting passes the wake on', async () => {
    const wake = new WakeSignal();
    const leaving = wake.next();
    const other = wake.next().wait(10_000);
    wake.fireOne();
    expect(await settled(other)).toBe(false);
    leaving.leave();
    expect(await settled(other)).toBe(true);
  });

  test('a waiter that leaves unwoken takes no wake with it, and a wake with nobody waiting is not stored', async () => {
    const wake = new WakeSignal();
    wake.next().leave();
    wake.fireOne();
    const late = wake.next().wait(10_000);
    expect(await settled(late)).toBe(false);
    wake.fireAll();
  });

  test('an interrupted wait (the agent hung up) ends without taking a wake', async () => {
    const wake = new WakeSignal();
    let hangUp!: () => void;
    const hungUp = new Promise<void>((r) => (hangUp = r));
    const interrupted = wake.next();
    const p = interrupted.wait(10_000, hungUp);
    const other = wake.next().wait(10_000);
    hangUp();
    expect(await settled(p)).toBe(true);
    interrupted.leave();
    wake.fireOne();
    expect(await settled(other)).toBe(true);
  });
});
