// The password policy AD will apply to one user: the domain's, or the
// fine-grained policy (PSO) named by the user's msDS-ResultantPSO. Any
// account can read msDS-ResultantPSO, but a PSO's settings read back empty
// unless the service account was granted read on the Password Settings
// Container; then the agent falls back to the domain policy and says so.
import type { Client } from 'ldapts';
import { intervalToSeconds } from './ad-time';

export interface PasswordPolicy {
  source: 'domain' | 'fine_grained';
  /** The PSO that applies, when one does (even if its settings were unreadable). */
  psoDn: string | null;
  /** Set when a PSO applies but its settings could not be read, so the domain policy is shown instead. */
  fallback: { reason: 'pso_unreadable'; psoDn: string } | null;
  minLength: number;
  complexity: boolean;
  historyLength: number;
  minAgeSeconds: number;
  /** null: passwords never expire under this policy. */
  maxAgeSeconds: number | null;
  lockoutThreshold: number;
}

const DOMAIN_ATTRS = ['minPwdLength', 'pwdProperties', 'pwdHistoryLength', 'minPwdAge', 'maxPwdAge', 'lockoutThreshold'];
const PSO_ATTRS = [
  'msDS-MinimumPasswordLength', 'msDS-PasswordComplexityEnabled', 'msDS-PasswordHistoryLength',
  'msDS-MinimumPasswordAge', 'msDS-MaximumPasswordAge', 'msDS-LockoutThreshold',
];
const DOMAIN_PASSWORD_COMPLEX = 0x1;

function str(v: unknown): string | undefined {
  if (Array.isArray(v)) return str(v[0]);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' ? v : undefined;
}

function int(v: unknown): number {
  const s = str(v);
  return s && /^-?\d+$/.test(s) ? Number(s) : 0;
}

export type DomainPolicy = Omit<PasswordPolicy, 'source' | 'psoDn' | 'fallback'>;

export async function readDomainPolicy(client: Client, baseDn: string): Promise<DomainPolicy> {
  const { searchEntries } = await client.search(baseDn, { scope: 'base', attributes: DOMAIN_ATTRS });
  const e: Record<string, unknown> = searchEntries[0] ?? {};
  return {
    minLength: int(e.minPwdLength),
    complexity: (int(e.pwdProperties) & DOMAIN_PASSWORD_COMPLEX) !== 0,
    historyLength: int(e.pwdHistoryLength),
    minAgeSeconds: intervalToSeconds(str(e.minPwdAge)) ?? 0,
    maxAgeSeconds: intervalToSeconds(str(e.maxPwdAge)),
    lockoutThreshold: int(e.lockoutThreshold),
  };
}

/** The PSO's settings, or null when they cannot be read by this account. */
export async function readPso(client: Client, psoDn: string): Promise<DomainPolicy | null> {
  const { searchEntries } = await client
    .search(psoDn, { scope: 'base', attributes: PSO_ATTRS })
    .catch(() => ({ searchEntries: [] as Record<string, unknown>[] }));
  const e = searchEntries[0];
  // Without read access AD returns the entry (or nothing) but none of its settings.
  if (!e || str(e['msDS-MinimumPasswordLength']) === undefined || str(e['msDS-PasswordComplexityEnabled']) === undefined) return null;
  return {
    minLength: int(e['msDS-MinimumPasswordLength']),
    complexity: /^true$/i.test(str(e['msDS-PasswordComplexityEnabled']) ?? ''),
    historyLength: int(e['msDS-PasswordHistoryLength']),
    minAgeSeconds: intervalToSeconds(str(e['msDS-MinimumPasswordAge'])) ?? 0,
    maxAgeSeconds: intervalToSeconds(str(e['msDS-MaximumPasswordAge'])),
    lockoutThreshold: int(e['msDS-LockoutThreshold']),
  };
}

export function combinePolicy(domain: DomainPolicy, psoDn: string | null, pso: DomainPolicy | null): PasswordPolicy {
  if (psoDn && pso) return { source: 'fine_grained', psoDn, fallback: null, ...pso };
  if (psoDn) return { source: 'domain', psoDn, fallback: { reason: 'pso_unreadable', psoDn }, ...domain };
  return { source: 'domain', psoDn: null, fallback: null, ...domain };
}

export { str as attrString, int as attrInt };
