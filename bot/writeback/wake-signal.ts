// Wakes every waiting long-poll at once when a job is queued: each waiter
// holds the current generation, and firing resolves it and starts the next.
export class WakeSignal {
  private resolveCurrent!: () => void;
  private current!: Promise<void>;

  constructor() {
    this.reset();
  }

  private reset(): void {
    this.current = new Promise<void>((resolve) => {
      this.resolveCurrent = resolve;
    });
  }

  fire(): void {
    const resolve = this.resolveCurrent;
    this.reset();
    resolve();
  }

  /** The next wake-up after this call; `wait(ms)` resolves on it or after ms, whichever comes first. */
  next(): { wait: (ms: number) => Promise<void> } {
    const generation = this.current;
    return {
      wait: (ms) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
        });
        return Promise.race([generation, timeout]).finally(() => clearTimeout(timer));
      },
    };
  }
}
