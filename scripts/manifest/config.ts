// What the Teams app package needs from the environment, read once and
// validated with zod. The template's placeholders carry the same names as the
// variables, so `{{RESETDESK_PUBLIC_HOST}}` in manifest/manifest.json is
// exactly what RESETDESK_PUBLIC_HOST says.
import { z } from 'zod';
import { ResetDeskError } from '../../bot/errors';

export interface PackageSettings {
  /** The Azure Bot's Microsoft App ID: the bot id, the Teams app id and the SSO app id. */
  MicrosoftAppId: string;
  /** Public DNS name of the bot service, e.g. resetdesk.contoso.com. */
  RESETDESK_PUBLIC_HOST: string;
  RESETDESK_APP_VERSION: string;
  RESETDESK_DEVELOPER_NAME: string;
  RESETDESK_WEBSITE_URL: string;
  RESETDESK_PRIVACY_URL: string;
  RESETDESK_TERMS_URL: string;
}

export class PackageConfigError extends ResetDeskError {
  constructor(readonly problems: string[]) {
    super('MANIFEST_CONFIG_INVALID', `Cannot build the Teams app package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageConfigError';
  }
}

export const DEFAULT_DEVELOPER_NAME = 'IT department';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Teams wants MAJOR.MINOR.PATCH, digits only, and a higher one for every update
// of an app already in the org catalogue.
const APP_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Unset and blank mean the same, as in the bot service's own configuration. */
const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const appId = optional.transform((v, ctx) => {
  if (v === undefined) {
    ctx.addIssue({ code: 'custom', message: "required: the Azure Bot's Microsoft App ID (a GUID), as for npm start" });
    return z.NEVER;
  }
  if (!GUID.test(v)) {
    ctx.addIssue({ code: 'custom', message: `must be a GUID like 00000000-0000-0000-0000-000000000000 (got "${v}")` });
    return z.NEVER;
  }
  // Entra shows app ids in lower case, and the SSO resource api://<host>/<id>
  // must read exactly like the Application ID URI registered there.
  return v.toLowerCase();
});

const publicHost = optional.transform((v, ctx) => {
  const problem = hostProblem(v);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return v!.toLowerCase();
});

const httpsUrl = optional.refine((v) => v === undefined || isHttpsUrl(v), 'must be an https:// URL (Teams shows it to everyone who installs the app)');

const envSchema = z.object({
  MicrosoftAppId: appId,
  RESETDESK_PUBLIC_HOST: publicHost,
  RESETDESK_APP_VERSION: optional.refine((v) => v === undefined || APP_VERSION.test(v), 'must be MAJOR.MINOR.PATCH, digits only (e.g. 1.4.0)'),
  RESETDESK_DEVELOPER_NAME: optional.refine((v) => v === undefined || v.length <= 32, 'must be at most 32 characters (a Teams limit)'),
  RESETDESK_WEBSITE_URL: httpsUrl,
  RESETDESK_PRIVACY_URL: httpsUrl,
  RESETDESK_TERMS_URL: httpsUrl,
});

export interface SettingsWithNotes {
  settings: PackageSettings;
  /** Defaults worth a line on the console: things an admin may want to set. */
  notes: string[];
}

/**
 * Reads the package settings from `env`. `packageVersion` (package.json's
 * version) is the app version unless RESETDESK_APP_VERSION says otherwise.
 */
export function readPackageSettings(env: Record<string, string | undefined>, packageVersion: string): SettingsWithNotes {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new PackageConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const version = e.RESETDESK_APP_VERSION ?? packageVersion;
  if (!APP_VERSION.test(version)) {
    throw new PackageConfigError([`RESETDESK_APP_VERSION: required, because package.json's version "${packageVersion}" is not MAJOR.MINOR.PATCH`]);
  }
  const site = `https://${e.RESETDESK_PUBLIC_HOST}`;
  const notes: string[] = [];
  // The developer links default to pages on the bot's own host so a first
  // package uploads without more settings; most companies point them at
  // their intranet's IT pages instead.
  const url = (name: 'RESETDESK_WEBSITE_URL' | 'RESETDESK_PRIVACY_URL' | 'RESETDESK_TERMS_URL', path: string) => {
    const given = e[name];
    if (given !== undefined) return given;
    notes.push(`${name} not set: using ${site}${path}`);
    return `${site}${path}`;
  };
  return {
    settings: {
      MicrosoftAppId: e.MicrosoftAppId,
      RESETDESK_PUBLIC_HOST: e.RESETDESK_PUBLIC_HOST,
      RESETDESK_APP_VERSION: version,
      RESETDESK_DEVELOPER_NAME: e.RESETDESK_DEVELOPER_NAME ?? DEFAULT_DEVELOPER_NAME,
      RESETDESK_WEBSITE_URL: url('RESETDESK_WEBSITE_URL', '/'),
      RESETDESK_PRIVACY_URL: url('RESETDESK_PRIVACY_URL', '/privacy'),
      RESETDESK_TERMS_URL: url('RESETDESK_TERMS_URL', '/terms'),
    },
    notes,
  };
}

function hostProblem(host: string | undefined): string | undefined {
  if (host === undefined) {
    return 'required: the public host name of the bot service, e.g. resetdesk.contoso.com (its messaging endpoint is https://<host>/api/messages)';
  }
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i;
  if (scheme.test(host)) return `must be the host name only, without https:// or a path: "${host.replace(scheme, '').replace(/[/:].*$/, '')}"`;
  if (/[/:?#@\s]/.test(host)) return `must be a host name only, without a path, port or spaces (got "${host}")`;
  const labels = host.toLowerCase().split('.');
  // Teams' validDomains and the api://<host>/<id> SSO resource both need a
  // real DNS name: "localhost" or an IP address will not do.
  if (labels.length < 2 || labels.some((l) => !DNS_LABEL.test(l)) || !/[a-z]/.test(labels[labels.length - 1]!) || host.length > 253) {
    return `must be a public DNS name such as resetdesk.contoso.com (got "${host}")`;
  }
  return undefined;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:' && value.length <= 2048;
  } catch {
    return false;
  }
}
