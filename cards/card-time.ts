// Adaptive Cards format `{{DATE(...)}}` and `{{TIME(...)}}` on the reader's
// device, in their own language and time zone; that is why cards carry these
// functions instead of a date formatted on the server. Clients accept only
// whole seconds with a `Z` or `±hh:mm` suffix, so milliseconds are dropped.
function rfc3339Seconds(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function cardDate(instant: Date, style: 'COMPACT' | 'SHORT' | 'LONG' = 'SHORT'): string {
  return `{{DATE(${rfc3339Seconds(instant)}, ${style})}}`;
}

export function cardTime(instant: Date): string {
  return `{{TIME(${rfc3339Seconds(instant)})}}`;
}

export function cardDateTime(instant: Date): string {
  return `${cardDate(instant)} ${cardTime(instant)}`;
}
