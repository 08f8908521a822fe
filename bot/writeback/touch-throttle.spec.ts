import { TouchThrottle } from './touch-throttle';

describe('an agent heard from several times a second', () => {
  test('is recorded as seen at most once per interval, and again once the interval has passed', async () => {
    let t = 1_000_000;
    const writes: string[] = [];
    const throttle = new TouchThrottle(5_000, () => new Date(t));
    const write = async (id: string): Promise<void> => {
      writes.push(`${id}@${t}`);
    };
    await throttle.touch('a', write);
    t += 10;
    await throttle.touch('a', write);
    await throttle.touch('b', write);
    t += 4_989;
    await throttle.touch('a', write);
    expect(writes).toEqual(['a@1000000', 'b@1000010']);
    t += 1;
    await throttle.touch('a', write);
    expect(writes).toEqual(['a@1000000', 'b@1000010', 'a@1005000']);
  });

  test('a write that fails is tried again on the next call, and a clock that went back writes again', async () => {
    let t = 50_000;
    let fail = true;
    const writes: number[] = [];
    const throttle = new TouchThrottle(5_000, () => new Date(t));
    const write = async (): Promise<void> => {
      if (fail) throw new Error('database down');
      writes.push(t);
    };
    await expect(throttle.touch('a', write)).rejects.toThrow('database down');
    fail = false;
    await throttle.touch('a', write);
    t -= 1_000;
    await throttle.touch('a', write);
    expect(writes).toEqual([50_000, 49_000]);
  });
});
