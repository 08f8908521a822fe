// Wakes waiting long-polls when a job is queued: one waiter per job, not all
// of them. Waking every lane for every job made each queued job cost one lease
// query per idle lane on every replica, all but one of them empty. A woken
// waiter that leases a job wakes the next (more may be queued); one that
// finds nothing goes back to sleep, since any job queued later wakes someone
// itself. A wake that reaches a waiter already leaving is passed on.
export interface Waiter {
  /** Resolves when this waiter is woken, after `ms`, or when `interrupted` settles, whichever comes first. */
  wait(ms: number, interrupted?: Promise<void>): Promise<void>;
  /** Stops waiting; a wake it received and did not act on goes to the next waiter. */
  leave(): void;
}

interface Entry {
  woken: boolean;
  resolve?: () => void;
}

export class WakeSignal {
  private readonly waiting = new Set<Entry>();

  /** Wakes the longest-waiting waiter, if any. */
  fireOne(): void {
    for (const entry of this.waiting) {
      this.waiting.delete(entry);
      entry.woken = true;
      entry.resolve?.();
      return;
    }
  }

  /** Wakes every waiter (notifications may have been missed, or the gateway is closing). */
  fireAll(): void {
    const all = [...this.waiting];
    this.waiting.clear();
    for (const entry of all) {
      entry.woken = true;
      entry.resolve?.();
    }
  }

  /**
   * Registers before the caller's lease attempt, so a job queued during the
   * attempt still wakes it.
   */
  next(): Waiter {
    const entry: Entry = { woken: false };
    this.waiting.add(entry);
    return {
      wait: (ms, interrupted) => {
        if (entry.woken) return Promise.resolve();
        let timer: NodeJS.Timeout | undefined;
        return new Promise<void>((resolve) => {
          entry.resolve = resolve;
          timer = setTimeout(resolve, ms);
          void interrupted?.then(resolve, resolve);
        }).finally(() => {
          clearTimeout(timer);
          this.waiting.delete(entry);
        });
      },
      leave: () => {
        if (this.waiting.delete(entry)) return;
        // Woken, and leaving without acting on it (it leased by its own try, or hung up).
        if (entry.woken) {
          entry.woken = false;
          this.fireOne();
        }
      },
    };
  }
}
