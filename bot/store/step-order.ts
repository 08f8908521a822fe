// Database connections go to the oldest step first. When a whole company
// submits at once, a pool that serves statements in the order they were
// issued makes every step wait behind the first statement of every later
// step at each round trip, so nobody's reset is queued until nearly
// everybody's is. Serving the step that arrived first lets the first people
// through (and their resets on to the agents) while the rest are still
// arriving; the total is the same.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

const arrivals = new AsyncLocalStorage<number>();

/** Runs `fn` as one step that arrived now: its statements, however many, go before those of later steps. */
export function asStepArrivedNow<T>(fn: () => T): T {
  return arrivals.run(performance.now(), fn);
}

function arrivalOfThisStep(): number {
  return arrivals.getStore() ?? performance.now();
}

interface Waiter {
  arrival: number;
  start: () => void;
}

/** `size` slots (a pool's connections), handed to waiters oldest step first, and in issue order within a step. */
export class OldestStepFirst {
  private free: number;
  private readonly waiting: Waiter[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((start) => this.enqueue({ arrival: arrivalOfThisStep(), start }));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.free += 1;
    }
  }

  private enqueue(w: Waiter): void {
    // Arrivals come mostly in order, so the place is found from the end.
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1]!.arrival > w.arrival) i -= 1;
    this.waiting.splice(i, 0, w);
  }
}
