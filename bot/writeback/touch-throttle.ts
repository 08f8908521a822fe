// Thins out an agent's "last seen" writes: a busy agent calls the gateway
// several times per job, and each write would otherwise sit in the database
// queue between one finished job and the next. Health only needs last-seen
// to within a fraction of the window in which an agent counts as alive.
export class TouchThrottle {
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly everyMs: number,
    private readonly now: () => Date,
  ) {}

  /** Writes through `write` unless this agent was written less than everyMs ago (a clock that went back writes again). */
  async touch(agentId: string, write: (agentId: string) => Promise<void>): Promise<void> {
    const at = this.now().getTime();
    const last = this.touchedAt.get(agentId);
    if (last !== undefined && at >= last && at - last < this.everyMs) return;
    await write(agentId);
    this.touchedAt.set(agentId, at);
  }
}
