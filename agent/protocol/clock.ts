/** The clock is a parameter wherever expiry matters, so tests move time instead of sleeping. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function epochSeconds(clock: Clock): number {
  return Math.floor(clock().getTime() / 1000);
}

/**
 * Wall-clock milliseconds with sub-millisecond precision, comparable between
 * the service's and the agent's processes on one machine: the log fields
 * (`at`) from which bench/writeback-latency.ts tells where a reset's time went.
 */
export function preciseEpochMs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
}
