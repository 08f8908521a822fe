/// <reference lib="dom" />
// Dates and codes as people read them, in the viewer's own locale and zone.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayOnly = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateTime.format(d);
}

/** "3 min ago", "in 25 min": for deadlines and last-seen times. */
export function relative(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return 'never';
  const ms = new Date(iso).getTime() - now.getTime();
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span = minutes < 1 ? 'less than a minute' : minutes < 90 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} days`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** A YYYY-MM-DD day label as "Mon 3 Mar". */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return dayOnly.format(new Date(y!, m! - 1, d!));
}

/** A YYYY-MM-DD day as its day of the month, for a chart's axis. */
export function dayOfMonth(day: string): string {
  return String(Number(day.slice(8, 10)));
}

/** What a request kind is called. */
export function kindName(kind: string): string {
  return ({ reset: 'Password reset', unlock: 'Unlock', change: 'Password change', status: 'Status check' } as Record<string, string>)[kind] ?? kind;
}

/** `awaiting_approval` → "awaiting approval". */
export function words(code: string): string {
  return code.replace(/_/g, ' ');
}

/** Local midnight `daysAgo` days back, as the server's counts want it. */
export function localMidnight(daysAgo: number, now = new Date()): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - daysAgo);
}

/** A value of <input type="date"> (local) as an instant: the start of that day, or of the next. */
export function dayStart(value: string, nextDay = false): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y!, m! - 1, d! + (nextDay ? 1 : 0)).toISOString();
}
