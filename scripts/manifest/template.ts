// Fills `{{NAME}}` placeholders in the manifest template. The template is
// parsed first and only string values are filled, so a value with a quote or
// a backslash in it cannot break the JSON around it.

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * A copy of `template` with every known placeholder replaced by its value.
 * Unknown names are left as they are, for `leftoverPlaceholders` to report;
 * a value is never itself searched for placeholders.
 */
export function fillTemplate(template: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof template === 'string') {
    return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
  }
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, values));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, fillTemplate(value, values)]));
  }
  return template;
}

export interface Leftover {
  /** Where in the manifest, e.g. `bots[0].botId`. */
  at: string;
  text: string;
}

/** Every string (or key) that still looks like a placeholder: `{{` or `}}` anywhere in it. */
export function leftoverPlaceholders(json: unknown, at = ''): Leftover[] {
  if (typeof json === 'string') return /\{\{|\}\}/.test(json) ? [{ at: at || '(root)', text: json }] : [];
  if (Array.isArray(json)) return json.flatMap((item, i) => leftoverPlaceholders(item, `${at}[${i}]`));
  if (json !== null && typeof json === 'object') {
    return Object.entries(json).flatMap(([key, value]) => {
      const path = at ? `${at}.${key}` : key;
      return [...leftoverPlaceholders(key, `${path} (key)`), ...leftoverPlaceholders(value, path)];
    });
  }
  return [];
}
