// Starting many parts and stopping all of them, whenever the stop comes: each
// part is started through `start`, which records how to stop it once it is
// up; `stopAll` waits for whatever is still starting, then stops everything
// in reverse order. A Ctrl-C in the middle of the start therefore leaves
// nothing behind either.

export class StoppedWhileStarting extends Error {
  constructor(what: string) {
    super(`stopped while starting ${what}`);
    this.name = 'StoppedWhileStarting';
  }
}

interface Stopper {
  name: string;
  stop: () => Promise<void>;
}

export class Lifecycle {
  private readonly stoppers: Stopper[] = [];
  private readonly starting = new Set<Promise<unknown>>();
  private stopped: Promise<void> | undefined;

  constructor(private readonly onProgress: (line: string) => void = () => undefined) {}

  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  /** Starts one part; once it is up, `stop(part)` is what stopAll will call (nothing, for a part that stops by itself). */
  async start<T>(name: string, start: () => Promise<T>, stop?: (part: T) => Promise<void>): Promise<T> {
    if (this.stopping) throw new StoppedWhileStarting(name);
    const run = (async () => {
      const part = await start();
      if (stop) this.stoppers.push({ name, stop: () => stop(part) });
      return part;
    })();
    this.starting.add(run);
    try {
      const part = await run;
      if (this.stopping) throw new StoppedWhileStarting(name);
      return part;
    } finally {
      this.starting.delete(run);
    }
  }

  /** A step that leaves nothing running (seeding, a one-shot command); a stop waits for it to end. */
  run<T>(name: string, step: () => Promise<T>): Promise<T> {
    return this.start(name, step);
  }

  /** Records a clean-up that is not a process (a folder, a file). */
  defer(name: string, stop: () => Promise<void>): void {
    this.stoppers.push({ name, stop });
  }

  /** Stops everything started so far, newest first; safe to call more than once. Errors are reported, and the rest still stopped. */
  stopAll(): Promise<void> {
    this.stopped ??= (async () => {
      await Promise.allSettled([...this.starting]);
      const failures: string[] = [];
      for (const s of this.stoppers.splice(0).reverse()) {
        this.onProgress(`stopping ${s.name}`);
        try {
          await s.stop();
        } catch (err) {
          failures.push(`${s.name}: ${(err as Error).message}`);
        }
      }
      if (failures.length > 0) throw new Error(`some parts did not stop cleanly:\n  ${failures.join('\n  ')}`);
    })();
    return this.stopped;
  }
}
