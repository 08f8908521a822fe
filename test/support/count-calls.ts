// Counts the calls a test makes through one method of an object (a store, a
// service) while passing each call on unchanged: the speed tests assert how
// many round trips a step takes.
export interface CallCount {
  readonly calls: number;
}

export function countCalls<T extends object, K extends keyof T>(target: T, method: K): CallCount {
  const original = target[method];
  if (typeof original !== 'function') throw new Error(`${String(method)} is not a method`);
  const count = { calls: 0 };
  const bound = (original as (...args: unknown[]) => unknown).bind(target);
  target[method] = ((...args: unknown[]) => {
    count.calls += 1;
    return bound(...args);
  }) as T[K];
  return count;
}
