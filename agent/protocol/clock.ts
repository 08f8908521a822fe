/** The clock is a parameter wherever expiry matters, so tests move time instead of sleeping. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function epochSeconds(clock: Clock): number {
  return Math.floor(clock().getTime() / 1000);
}
