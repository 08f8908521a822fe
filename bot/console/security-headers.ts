// The console's response headers. The page may be framed only by the hosts
// that run Teams apps (learn.microsoft.com, "Prerequisites" for tabs: Teams,
// the new *.cloud.microsoft domain, and the Microsoft 365 app and Outlook,
// where personal tabs also open), runs only its own script and style, and
// talks only to its own service. API answers are never cached or framed.
import type { Response } from 'restify';

export const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office365.com',
  'https://outlook-sdf.office365.com',
] as const;

// teams-js fetches an updated list of host origins from this CDN; without it, its built-in list applies.
const TEAMS_JS_ORIGINS_CDN = 'https://res.cdn.office.net';

export function pageCsp(extraHostOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${TEAMS_JS_ORIGINS_CDN}`,
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors 'self' ${[...TEAMS_FRAME_ANCESTORS, ...extraHostOrigins].join(' ')}`,
  ].join('; ');
}

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

export function setPageHeaders(res: Response, extraHostOrigins: readonly string[]): void {
  for (const [k, v] of Object.entries(COMMON)) res.setHeader(k, v);
  res.setHeader('content-security-policy', pageCsp(extraHostOrigins));
  res.setHeader('cache-control', 'no-cache');
}

export function setAssetHeaders(res: Response): void {
  for (const [k, v] of Object.entries(COMMON)) res.setHeader(k, v);
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  // The file name carries the content's hash.
  res.setHeader('cache-control', 'public, max-age=31536000, immutable');
}

export function setApiHeaders(res: Response): void {
  for (const [k, v] of Object.entries(COMMON)) res.setHeader(k, v);
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('cache-control', 'no-store');
  res.setHeader('pragma', 'no-cache');
}
