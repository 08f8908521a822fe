// `agent doctor`: checks a configuration end to end, step by step, so an
// admin sees exactly which link is broken: name resolution, TCP, TLS and the
// CA, the bind, and the service account's rights on each managed OU. The
// rights are checked without writing anything: allowedAttributesEffective on
// a user in the OU, and the OU's DACL read through the SD-flags control.
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { isIP } from 'node:net';
import { AndFilter, EqualityFilter, OrFilter, type Client } from 'ldapts';
import type { AgentConfig } from '../config';
import { AgentError } from '../errors';
import { sidToBuffer, sidToString } from '../directory/ad-ids';
import { openTls } from '../directory/connection';
import { SdFlagsControl, SECURITY_INFORMATION } from '../directory/controls/sd-flags-control';
import { mapLdapError } from '../directory/map-ldap-error';
import { attrString } from '../directory/policy';
import { BUILTIN_PROTECTED_GROUPS, builtinGroupOf, builtinGroupSid, resolveConfiguredGroups, tokenGroupsOf } from '../directory/privilege';
import { grantsExtendedRightToChildren, grantsReadToChildren, parseSecurityDescriptor, RESET_PASSWORD_RIGHT, USER_CLASS_GUID } from '../directory/security-descriptor';
import { POLICY_HINTS_OID } from '../directory/directory';

export type CheckOutcome = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  section: string;
  outcome: CheckOutcome;
  label: string;
  detail?: string;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  ok: boolean;
}

const WRITE_ATTRS = ['lockoutTime', 'pwdLastSet'];

function describe(err: unknown): string {
  const mapped = err instanceof AgentError ? err : mapLdapError(err, 'bind');
  const extra = Object.entries(mapped.details).filter(([k]) => k !== 'url').map(([k, v]) => `${k}=${v}`).join(', ');
  return `${mapped.code}${extra ? ` (${extra})` : ''}`;
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timed out');
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}

export async function runDoctor(config: AgentConfig): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const add = (section: string, outcome: CheckOutcome, label: string, detail?: string): void => {
    checks.push(detail === undefined ? { section, outcome, label } : { section, outcome, label, detail });
  };
  let bound: { client: Client; url: string } | undefined;

  for (const url of config.dcUrls) {
    const section = `Domain controller ${url}`;
    const parsed = new URL(url);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const port = Number(parsed.port || (/^ldaps:/i.test(url) ? 636 : 389));
    if (/^ldap:/i.test(url) && !config.startTls) {
      add(section, 'fail', 'plain LDAP is refused', 'use ldaps:// or set startTls');
      continue;
    }
    if (isIP(host)) add(section, 'pass', `${host} is an IP address (no DNS needed)`);
    else {
      const addr = await lookup(host).catch(() => undefined);
      if (!addr) {
        add(section, 'fail', `DNS: ${host} does not resolve`);
        continue;
      }
      add(section, 'pass', `DNS: ${host} resolves to ${addr.address}`);
    }
    const tcpError = await tcpProbe(host, port, config.connectTimeoutMs);
    if (tcpError) {
      add(section, 'fail', `TCP: port ${port} not reachable`, tcpError);
      continue;
    }
    add(section, 'pass', `TCP: port ${port} reachable`);
    let client: Client;
    try {
      client = await openTls(config, url);
      add(section, 'pass', `TLS: certificate verified against ${config.caFile}`, `server name ${config.tlsServername ?? host}`);
    } catch (err) {
      add(section, 'fail', 'TLS: certificate not verified against the configured CA', describe(err));
      continue;
    }
    try {
      await client.bind(config.bindDn, config.bindPassword.reveal());
      add(section, 'pass', `bind as ${config.bindDn}`);
      if (bound) await client.unbind().catch(() => undefined);
      else bound = { client, url };
    } catch (err) {
      add(section, 'fail', `bind as ${config.bindDn}`, describe(err));
      await client.unbind().catch(() => undefined);
    }
  }

  if (!bound) {
    add('Directory', 'fail', 'no domain controller accepted the service account; skipping the rights checks');
    return { checks, ok: false };
  }
  const { client } = bound;
  try {
    await checkDirectory(client, config, add);
  } catch (err) {
    add('Directory', 'fail', 'the checks could not finish', describe(err));
  }
  try {
    await checkProtectedGroups(client, config, add);
  } catch (err) {
    add('Protected accounts', 'fail', 'the checks could not finish', describe(err));
  } finally {
    await client.unbind().catch(() => undefined);
  }
  return { checks, ok: !checks.some((c) => c.outcome === 'fail') };
}

async function containerGrantsRead(client: Client, dn: string, sids: ReadonlySet<string>): Promise<boolean> {
  const sd = await client
    .search(dn, { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] }, new SdFlagsControl(SECURITY_INFORMATION.DACL))
    .catch(() => undefined);
  const raw = sd?.searchEntries[0]?.nTSecurityDescriptor;
  const blob = Array.isArray(raw) ? raw[0] : raw;
  if (!Buffer.isBuffer(blob)) return false;
  return grantsReadToChildren(parseSecurityDescriptor(blob).dacl ?? [], sids);
}

async function serviceAccountSids(client: Client, config: AgentConfig): Promise<{ dn: string; sids: Set<string> } | undefined> {
  const isDn = config.bindDn.includes('=');
  const { searchEntries } = await client.search(isDn ? config.bindDn : config.baseDn, {
    scope: isDn ? 'base' : 'sub',
    filter: isDn ? '(objectClass=*)' : new EqualityFilter({ attribute: 'userPrincipalName', value: config.bindDn }),
    attributes: ['objectSid'],
    explicitBufferAttributes: ['objectSid'],
    sizeLimit: 1,
  });
  const entry = searchEntries[0];
  if (!entry || !Buffer.isBuffer(entry.objectSid)) return undefined;
  // Everyone and Authenticated Users apply to every bound account but are not in tokenGroups.
  const sids = new Set([sidToString(entry.objectSid), 'S-1-1-0', 'S-1-5-11']);
  // tokenGroups (constructed, base scope only): rights delegated to a group the account is in count too.
  const tg = await client.search(entry.dn, { scope: 'base', attributes: ['tokenGroups'], explicitBufferAttributes: ['tokenGroups'] }).catch(() => undefined);
  const groups = tg?.searchEntries[0]?.tokenGroups;
  for (const g of Array.isArray(groups) ? groups : groups ? [groups] : []) if (Buffer.isBuffer(g)) sids.add(sidToString(g));
  return { dn: entry.dn, sids };
}

async function checkDirectory(client: Client, config: AgentConfig, add: (section: string, outcome: CheckOutcome, label: string, detail?: string) => void): Promise<void> {
  const section = 'Directory';
  const root = await client.search('', { scope: 'base', attributes: ['supportedControl', 'dnsHostName'] });
  const controls = root.searchEntries[0]?.supportedControl;
  const supported = (Array.isArray(controls) ? controls : [controls]).map(String);
  if (supported.includes(POLICY_HINTS_OID)) add(section, 'pass', 'password-policy-hints control supported: history can be enforced on resets');
  else if (config.enforceHistoryOnReset) add(section, 'fail', 'enforceHistoryOnReset is on, but this DC does not support the password-policy-hints control', POLICY_HINTS_OID);
  else add(section, 'warn', 'password-policy-hints control not supported by this DC: resets do not check password history');

  const base = await client.search(config.baseDn, { scope: 'base', attributes: ['minPwdLength'] }).catch(() => undefined);
  if (base?.searchEntries[0] && attrString(base.searchEntries[0].minPwdLength) !== undefined) add(section, 'pass', `domain password policy readable at ${config.baseDn}`);
  else add(section, 'fail', `domain password policy not readable at ${config.baseDn}`);


  const account = await serviceAccountSids(client, config);
  if (!account) {
    add(section, 'fail', `the service account ${config.bindDn} was not found under ${config.baseDn}`);
    return;
  }

  const psoContainer = `CN=Password Settings Container,CN=System,${config.baseDn}`;
  const psos = await client.search(psoContainer, { scope: 'one', filter: '(objectClass=msDS-PasswordSettings)', attributes: ['msDS-MinimumPasswordLength'] }).catch(() => undefined);
  const entries = psos?.searchEntries ?? [];
  const unreadable = entries.filter((e) => attrString(e['msDS-MinimumPasswordLength']) === undefined);
  const fixHint = `grant read on ${psoContainer}`;
  if (unreadable.length) {
    add(section, 'fail', `fine-grained password policies: ${unreadable.length} of ${entries.length} not readable; users under them are prechecked against the domain policy`, fixHint);
  } else if (entries.length) {
    add(section, 'pass', `fine-grained password policies readable (${entries.length})`);
  } else if (await containerGrantsRead(client, psoContainer, account.sids)) {
    // Read is granted, so an empty listing really means none are defined.
    add(section, 'pass', 'fine-grained password policies readable (none defined)');
  } else {
    add(section, 'fail', 'fine-grained password policies: the Password Settings Container is not readable; users under a policy are prechecked against the domain policy', fixHint);
  }

  for (const ou of config.managedOus) {
    const ouSection = `Managed OU ${ou}`;
    let sdEntry: Record<string, unknown> | undefined;
    try {
      const sd = await client.search(
        ou,
        { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] },
        new SdFlagsControl(SECURITY_INFORMATION.DACL),
      );
      sdEntry = sd.searchEntries[0];
    } catch (err) {
      add(ouSection, 'fail', 'OU not found or not readable', describe(err));
      continue;
    }
    if (!sdEntry) {
      add(ouSection, 'fail', 'OU not found');
      continue;
    }
    const raw = sdEntry.nTSecurityDescriptor;
    const blob = Array.isArray(raw) ? raw[0] : raw;
    if (!Buffer.isBuffer(blob)) add(ouSection, 'fail', 'OU security descriptor not readable with the SD-flags control');
    else {
      const dacl = parseSecurityDescriptor(blob).dacl ?? [];
      if (grantsExtendedRightToChildren(dacl, account.sids, RESET_PASSWORD_RIGHT, USER_CLASS_GUID)) add(ouSection, 'pass', '"Reset Password" is delegated to the service account on user objects');
      else add(ouSection, 'fail', '"Reset Password" is not delegated to the service account', `no ACE for ${RESET_PASSWORD_RIGHT} and the account's SIDs`);
    }

    const sample = await client.search(ou, {
      scope: 'sub', filter: '(&(objectCategory=person)(objectClass=user))', attributes: ['1.1'], sizeLimit: 1,
    }).catch(() => ({ searchEntries: [] as { dn: string }[] }));
    const userDn = sample.searchEntries[0]?.dn;
    if (!userDn) {
      add(ouSection, 'warn', 'no user in the OU to check write rights on');
      continue;
    }
    const membership = await client
      .search(userDn, { scope: 'base', attributes: ['objectSid', 'primaryGroupID', 'tokenGroups'], explicitBufferAttributes: ['objectSid', 'tokenGroups'] })
      .then((r) => {
        const e = r.searchEntries[0];
        const sid = Buffer.isBuffer(e?.objectSid) ? sidToString(e.objectSid) : '';
        const primary = attrString(e?.primaryGroupID);
        tokenGroupsOf(e?.tokenGroups, { sid, primaryGroupId: primary ? Number(primary) : undefined });
        return undefined;
      })
      .catch((err: unknown) => describe(err));
    if (membership) {
      add(ouSection, 'fail', 'cannot read the group memberships (tokenGroups) of users, so privileged accounts cannot be recognised and every unapproved change is refused', `${membership}; grant read on tokenGroups for user objects (e.g. dsacls "${ou}" /I:S /G "DOMAIN\\svc-resetdesk:RP;tokenGroups;user")`);
    } else {
      add(ouSection, 'pass', 'can read the group memberships (tokenGroups) of users', `checked on ${userDn}`);
    }
    const eff = await client.search(userDn, { scope: 'base', attributes: ['allowedAttributesEffective'] });
    const allowedRaw = eff.searchEntries[0]?.allowedAttributesEffective;
    const allowed = new Set((Array.isArray(allowedRaw) ? allowedRaw : allowedRaw ? [allowedRaw] : []).map((a) => String(a).toLowerCase()));
    const missing = WRITE_ATTRS.filter((a) => !allowed.has(a.toLowerCase()));
    if (missing.length) add(ouSection, 'fail', `cannot write ${missing.join(' and ')} on users`, `checked on ${userDn}`);
    else add(ouSection, 'pass', 'can write lockoutTime and pwdLastSet on users', `checked on ${userDn}`);
  }
}

/**
 * The protected groups as the agent will use them: the built-in ones by
 * their well-known SIDs (shown with the names they have in this domain), and
 * each configured extra group, which must exist.
 */
async function checkProtectedGroups(client: Client, config: AgentConfig, add: (section: string, outcome: CheckOutcome, label: string, detail?: string) => void): Promise<void> {
  const section = 'Protected accounts';
  const root = (await client.search('', { scope: 'base', attributes: ['defaultNamingContext', 'rootDomainNamingContext'] })).searchEntries[0];
  const domainNc = attrString(root?.defaultNamingContext) ?? config.baseDn;
  const where = { domainNc, rootNc: attrString(root?.rootDomainNamingContext) ?? domainNc };
  try {
    const domain = await client.search(where.domainNc, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
    const raw = domain.searchEntries[0]?.objectSid;
    if (!Buffer.isBuffer(raw)) throw new Error('the domain has no readable objectSid');
    const domainSid = sidToString(raw);
    const isForestRoot = where.rootNc.toLowerCase() === where.domainNc.toLowerCase();
    const expected = BUILTIN_PROTECTED_GROUPS.filter((g) => g.scope !== 'forest-root' || isForestRoot);
    const { searchEntries } = await client.search(where.domainNc, {
      scope: 'sub',
      filter: new AndFilter({
        filters: [
          new EqualityFilter({ attribute: 'objectClass', value: 'group' }),
          new OrFilter({ filters: expected.map((g) => new EqualityFilter({ attribute: 'objectSid', value: sidToBuffer(builtinGroupSid(g, domainSid)) })) }),
        ],
      }),
      attributes: ['objectSid', 'sAMAccountName'],
      explicitBufferAttributes: ['objectSid'],
    });
    const present = new Map<string, string>();
    for (const e of searchEntries) {
      const group = Buffer.isBuffer(e.objectSid) ? builtinGroupOf(sidToString(e.objectSid)) : undefined;
      if (group) present.set(group.name, attrString(e.sAMAccountName) ?? group.name);
    }
    const shown = expected.filter((g) => present.has(g.name)).map((g) => (present.get(g.name) === g.name ? g.name : `${g.name} ("${present.get(g.name)}")`));
    add(section, 'pass', `built-in protected groups, recognised by their well-known SIDs: ${shown.join(', ')}`);
    const absent = expected.filter((g) => !present.has(g.name)).map((g) => g.name);
    if (absent.length) add(section, 'pass', `not present in this domain, so nobody can be in them: ${absent.join(', ')}`, 'Key Admins and Enterprise Key Admins appear with a Windows Server 2016 or later PDC');
    if (!isForestRoot) {
      add(section, 'pass', 'Schema Admins, Enterprise Admins and Enterprise Key Admins live in the forest root domain; members from this domain are still recognised', where.rootNc);
    }
  } catch (err) {
    add(section, 'fail', 'the built-in protected groups could not be looked up', describe(err));
  }

  if (!config.protectedGroups.length) return;
  try {
    const configured = await resolveConfiguredGroups(client, where.domainNc, config.protectedGroups);
    for (const g of configured.groups) add(section, 'pass', `extra protected group ${g.label}`, g.dn);
    if (configured.builtIn.length) add(section, 'pass', `protectedGroups lists built-in groups, which are protected by SID anyway: ${configured.builtIn.join(', ')}`);
    for (const name of configured.missing) {
      add(section, 'fail', `protected group "${name}" does not exist in this domain; the agent will not start`, 'fix protectedGroups: a group name, DN or SID that exists');
    }
  } catch (err) {
    add(section, 'fail', 'the configured protected groups could not be looked up', describe(err));
  }
}

const MARK: Record<CheckOutcome, string> = { pass: '✔', warn: '⚠', fail: '✖' };

export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  let section = '';
  for (const c of report.checks) {
    if (c.section !== section) {
      section = c.section;
      lines.push('', section);
    }
    lines.push(`  ${MARK[c.outcome]} ${c.label}${c.detail ? ` — ${c.detail}` : ''}`);
  }
  const fails = report.checks.filter((c) => c.outcome === 'fail').length;
  lines.push('', report.ok ? '✔ all checks passed' : `✖ ${fails} check${fails === 1 ? '' : 's'} failed`);
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}
