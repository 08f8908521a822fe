// What an agent last said about an account, kept by this replica for a few
// minutes. A journey asks an agent when it starts (in scope? privileged?
// locked?), and used to ask again when the new-password card was shown and
// once more when the password came back: three agent round trips per person,
// each through the queue, an agent and the DC, minutes apart at most. The
// card and the submission now read what the start learned. That is safe
// because the agent checks scope, protection and the password policy again
// right before it writes: an entry a few minutes old can only make a card's
// rules, or a refusal made before queuing, less current; it can never let a
// write through that the agent would refuse. A journey's start always asks
// afresh, and another replica, or an entry past its age, asks too.
import type { InspectReport } from '../../agent/protocol';

export const RECENT_INSPECTION_MAX_AGE_MS = 5 * 60_000;
const CAPACITY = 10_000;

export class RecentInspections {
  private readonly entries = new Map<string, { report: InspectReport; at: number }>();

  constructor(private readonly maxAgeMs = RECENT_INSPECTION_MAX_AGE_MS, private readonly capacity = CAPACITY) {}

  keep(sid: string, report: InspectReport, at: Date): void {
    this.entries.delete(sid);
    // Oldest first out: a Map iterates in insertion order.
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(sid, { report, at: at.getTime() });
  }

  /** The report kept for this account if it is younger than the maximum age. */
  recent(sid: string, now: Date): InspectReport | undefined {
    const found = this.entries.get(sid);
    if (!found) return undefined;
    const age = now.getTime() - found.at;
    if (age < 0 || age > this.maxAgeMs) {
      this.entries.delete(sid);
      return undefined;
    }
    return found.report;
  }
}
