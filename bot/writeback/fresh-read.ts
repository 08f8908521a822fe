// One read shared by every caller that asked while it had not yet started.
//
// Sealing must see the agents as they are now (a revoked agent must not get
// the next password), so the list is never kept. But 150 submissions arriving
// in the same millisecond need not read it 150 times: a caller joins the next
// read that starts after it asked, never one already under way (that one may
// predate a revocation the caller's request came after). At most one read
// runs and one waits; each caller's answer is as fresh as a read of its own.
export class FreshRead<T> {
  private running: Promise<T> | undefined;
  private waiting: Promise<T> | undefined;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (!this.running) return this.start();
    this.waiting ??= this.running.then(noop, noop).then(() => {
      this.waiting = undefined;
      return this.start();
    });
    return this.waiting;
  }

  private start(): Promise<T> {
    const started: Promise<T> = this.read().finally(() => {
      if (this.running === started) this.running = undefined;
    });
    this.running = started;
    return started;
  }
}

function noop(): void {}
