// Which accounts are "protected": the agent refuses them unless the job says
// a human approved it.
//
// Membership comes from the account's tokenGroups, which the DC computes:
// every group the account is in, nested, through its primary group (which
// memberOf omits) and universal groups of other domains in the forest
// (Enterprise Admins lives in the forest root). The built-in groups are
// recognised in that list by their well-known SIDs, so a localised domain
// ("Domänen-Admins") or a renamed group changes nothing, and no group has to
// be looked up first: a failing group search cannot make a Domain Admin look
// ordinary. adminCount=1 is AD's own marker (set by SDProp on Windows); Samba
// never sets it and it lags on Windows, so it is only ever an extra reason.
import { AndFilter, EqualityFilter, ExtensibleFilter, NoSuchObjectError, OrFilter, type Client, type Entry } from 'ldapts';
import { PrivilegeUndeterminedError } from '../errors';
import { MAX_PRIVILEGE_REASONS } from '../protocol/protocol-constants';
import { SID_PATTERN, sidToBuffer, sidToString } from './ad-ids';
import { attrString } from './policy';

export const IN_CHAIN = '1.2.840.113556.1.4.1941';

/**
 * Where a built-in group lives. Domain groups exist in every domain (Key
 * Admins only once a Windows Server 2016 or later DC holds the PDC role);
 * forest-root groups exist only in the forest root domain, so a child domain
 * legitimately has none of them, yet its users can be members.
 */
export type BuiltinScope = 'domain' | 'forest-root' | 'builtin';

export interface BuiltinProtectedGroup {
  /** The English name, used in reasons whatever the domain's language. */
  name: string;
  scope: BuiltinScope;
  /** Relative to the domain's SID, or to S-1-5-32 for builtin groups. */
  rid: number;
}

export const BUILTIN_PROTECTED_GROUPS: readonly BuiltinProtectedGroup[] = [
  { name: 'Domain Admins', scope: 'domain', rid: 512 },
  { name: 'Enterprise Admins', scope: 'forest-root', rid: 519 },
  { name: 'Schema Admins', scope: 'forest-root', rid: 518 },
  { name: 'Administrators', scope: 'builtin', rid: 544 },
  { name: 'Domain Controllers', scope: 'domain', rid: 516 },
  { name: 'Read-only Domain Controllers', scope: 'domain', rid: 521 },
  { name: 'Key Admins', scope: 'domain', rid: 526 },
  { name: 'Enterprise Key Admins', scope: 'forest-root', rid: 527 },
  { name: 'Account Operators', scope: 'builtin', rid: 548 },
  { name: 'Server Operators', scope: 'builtin', rid: 549 },
  { name: 'Print Operators', scope: 'builtin', rid: 550 },
  { name: 'Backup Operators', scope: 'builtin', rid: 551 },
  { name: 'Replicator', scope: 'builtin', rid: 552 },
];

/** Accounts protected by who they are rather than by membership. */
export const PROTECTED_ACCOUNT_RIDS: ReadonlyMap<number, string> = new Map([
  [500, 'the built-in Administrator account'],
  [502, 'the krbtgt account'],
]);

// S-1-5-21-x-y-z-RID. RIDs below 1000 are reserved for well-known principals,
// so within a forest a -512 or -519 can only be the group of that name.
const DOMAIN_SID = /^(S-1-5-21-\d{1,10}-\d{1,10}-\d{1,10})-(\d{1,10})$/i;
const BUILTIN_SID = /^S-1-5-32-(\d{1,10})$/i;

/** The built-in protected group a SID names, if any. */
export function builtinGroupOf(sid: string): BuiltinProtectedGroup | undefined {
  const builtin = BUILTIN_SID.exec(sid);
  if (builtin) return BUILTIN_PROTECTED_GROUPS.find((g) => g.scope === 'builtin' && g.rid === Number(builtin[1]));
  const domain = DOMAIN_SID.exec(sid);
  if (domain) return BUILTIN_PROTECTED_GROUPS.find((g) => g.scope !== 'builtin' && g.rid === Number(domain[2]));
  return undefined;
}

/** The SID of a built-in group in a domain (forest-root groups: pass the forest root's SID). */
export function builtinGroupSid(group: BuiltinProtectedGroup, domainSid: string): string {
  return group.scope === 'builtin' ? `S-1-5-32-${group.rid}` : `${domainSid}-${group.rid}`;
}

export function domainSidOf(sid: string): string | undefined {
  return DOMAIN_SID.exec(sid)?.[1];
}

// ---- groups the configuration adds ----

/** A group from the agent's `protectedGroups`, found in the directory. */
export interface ConfiguredGroup {
  /** As written in the configuration. */
  entry: string;
  /** How reasons name it: its sAMAccountName. */
  label: string;
  sid: string;
  dn: string;
}

export interface ConfiguredGroups {
  groups: ConfiguredGroup[];
  /** Entries that name a built-in group, which is protected anyway. */
  builtIn: string[];
  /** Entries that match no group: an error, reported by the caller. */
  missing: string[];
}

export type GroupEntryKind = 'sid' | 'dn' | 'name';

/** A `protectedGroups` entry is a SID, a DN (it has "="), or else a sAMAccountName. */
export function groupEntryKind(entry: string): GroupEntryKind {
  if (SID_PATTERN.test(entry)) return 'sid';
  return entry.includes('=') ? 'dn' : 'name';
}

const GROUP = new EqualityFilter({ attribute: 'objectClass', value: 'group' });

/**
 * Finds each configured group. A group that is not there is reported as
 * missing; any other failure is thrown as it came, for the caller to fail
 * closed on. Names equal to a built-in group's English name are recognised
 * without a lookup (older configurations listed the built-ins by name).
 */
export async function resolveConfiguredGroups(client: Client, domainNc: string, entries: readonly string[]): Promise<ConfiguredGroups> {
  const result: ConfiguredGroups = { groups: [], builtIn: [], missing: [] };
  for (const entry of entries) {
    const kind = groupEntryKind(entry);
    if (kind === 'name' && BUILTIN_PROTECTED_GROUPS.some((g) => g.name.toLowerCase() === entry.toLowerCase())) {
      result.builtIn.push(entry);
      continue;
    }
    const found = await findGroups(client, domainNc, entry, kind);
    if (!found.length) {
      result.missing.push(entry);
      continue;
    }
    for (const e of found) {
      const sid = Buffer.isBuffer(e.objectSid) ? sidToString(e.objectSid) : undefined;
      // Found but its SID unreadable: membership could not be judged, so this is a failure, not a miss.
      if (!sid) throw new PrivilegeUndeterminedError({ step: 'protected-groups', reason: 'group_sid_unreadable' });
      if (builtinGroupOf(sid)) {
        result.builtIn.push(entry);
        continue;
      }
      result.groups.push({ entry, label: safeLabel(attrString(e.sAMAccountName) ?? entry), sid, dn: e.dn });
    }
  }
  return result;
}

async function findGroups(client: Client, domainNc: string, entry: string, kind: GroupEntryKind): Promise<Entry[]> {
  const attributes = ['objectSid', 'sAMAccountName'];
  const explicitBufferAttributes = ['objectSid'];
  try {
    if (kind === 'name') {
      const filter = new AndFilter({ filters: [GROUP, new EqualityFilter({ attribute: 'sAMAccountName', value: entry })] });
      return (await client.search(domainNc, { scope: 'sub', filter, attributes, explicitBufferAttributes, sizeLimit: 2 })).searchEntries;
    }
    const base = kind === 'sid' ? `<SID=${entry.toUpperCase()}>` : entry;
    return (await client.search(base, { scope: 'base', filter: GROUP, attributes, explicitBufferAttributes })).searchEntries;
  } catch (err) {
    // Only "no such object" means the group is not there; anything else is a failed lookup.
    if (err instanceof NoSuchObjectError) return [];
    throw err;
  }
}

// ---- judging one account ----

/** One reason an account is protected. */
export type PrivilegeFact =
  | { kind: 'account'; account: string }
  | { kind: 'adminCount' }
  | { kind: 'group'; group: string; sid: string; via: 'member' | 'primary'; through?: string };

export interface PrivilegeFinding {
  privileged: boolean;
  /** Short tokens for logs and the CLI: "adminCount", a group's name, or an account. */
  reasons: string[];
  /** The same facts as short sentences an approver reads ("member of Domain Admins through Tier0 Operators"). */
  because: string[];
  facts: PrivilegeFact[];
}

export interface PrivilegeSubject {
  dn: string;
  sid: string;
  adminCount: number;
  primaryGroupId: number | undefined;
  /** The account's tokenGroups as SIDs (see tokenGroupsOf). */
  tokenGroups: readonly string[];
}

/** Reasons are shown on cards: a bounded number, each bounded in length (names at most 64, sentences well under the protocol's 160). */
export const MAX_PRIVILEGE_FACTS = MAX_PRIVILEGE_REASONS;
const MAX_LABEL = 64;

/**
 * The account's tokenGroups as SIDs. The list always holds the primary group
 * (Domain Users for most accounts), so a list without it means the DC did not
 * compute it or the service account may not read it: then nothing can be said
 * about membership, and the caller must not go on as if the account were ordinary.
 */
export function tokenGroupsOf(raw: unknown, user: { sid: string; primaryGroupId: number | undefined }): string[] {
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const sids: string[] = [];
  for (const v of values) {
    if (!Buffer.isBuffer(v)) throw unreadable('token_groups_malformed');
    try {
      sids.push(sidToString(v));
    } catch {
      throw unreadable('token_groups_malformed');
    }
  }
  const domain = domainSidOf(user.sid);
  if (!domain || user.primaryGroupId === undefined || !sids.includes(`${domain}-${user.primaryGroupId}`)) throw unreadable('token_groups_unreadable');
  return sids;
}

function unreadable(reason: string): PrivilegeUndeterminedError {
  return new PrivilegeUndeterminedError({ step: 'membership', reason });
}

/** Judges an account from what its own read returned; no further lookups. */
export function judgePrivilege(subject: PrivilegeSubject, configured: readonly ConfiguredGroup[]): PrivilegeFinding {
  const facts: PrivilegeFact[] = [];
  const domain = domainSidOf(subject.sid);
  const rid = DOMAIN_SID.exec(subject.sid)?.[2];
  const account = rid === undefined ? undefined : PROTECTED_ACCOUNT_RIDS.get(Number(rid));
  if (account) facts.push({ kind: 'account', account });
  if (subject.adminCount === 1) facts.push({ kind: 'adminCount' });
  const primarySid = domain && subject.primaryGroupId !== undefined ? `${domain}-${subject.primaryGroupId}` : undefined;
  const inToken = new Set(subject.tokenGroups.map((s) => s.toUpperCase()));
  const hits: { group: string; sid: string }[] = [];
  for (const g of BUILTIN_PROTECTED_GROUPS) {
    for (const sid of inToken) if (builtinGroupOf(sid) === g) hits.push({ group: g.name, sid });
  }
  for (const g of configured) if (inToken.has(g.sid.toUpperCase())) hits.push({ group: g.label, sid: g.sid });
  for (const h of hits) facts.push({ kind: 'group', group: h.group, sid: h.sid, via: h.sid.toUpperCase() === primarySid?.toUpperCase() ? 'primary' : 'member' });
  return findingOf(facts);
}

export function findingOf(all: PrivilegeFact[]): PrivilegeFinding {
  const facts = all.slice(0, MAX_PRIVILEGE_FACTS);
  return {
    privileged: all.length > 0,
    reasons: facts.map(shortReason),
    because: facts.map(sentence),
    facts,
  };
}

function shortReason(f: PrivilegeFact): string {
  if (f.kind === 'account') return f.account.replace(/^the /, '');
  if (f.kind === 'adminCount') return 'adminCount';
  return f.group;
}

function sentence(f: PrivilegeFact): string {
  if (f.kind === 'account') return `is ${f.account}`;
  if (f.kind === 'adminCount') return 'adminCount is set';
  if (f.via === 'primary') return `primary group is ${f.group}`;
  return f.through ? `member of ${f.group} through ${f.through}` : `member of ${f.group}`;
}

/**
 * Names the group through which each nested membership runs, for the
 * approver ("member of Domain Admins through Tier0 Operators"): for each
 * protected group, one search for the account's own groups (direct, or its
 * primary group) that are that group or lie inside it. Only privileged
 * accounts get here. Failures are thrown as they came.
 */
export async function nameMembershipPaths(
  client: Client,
  domainNc: string,
  subject: PrivilegeSubject,
  finding: PrivilegeFinding,
  configured: readonly ConfiguredGroup[],
): Promise<PrivilegeFinding> {
  const domain = domainSidOf(subject.sid);
  const primarySid = domain && subject.primaryGroupId !== undefined ? `${domain}-${subject.primaryGroupId}` : undefined;
  const facts: PrivilegeFact[] = [];
  for (const f of finding.facts) {
    if (f.kind !== 'group' || f.via !== 'member') {
      facts.push(f);
      continue;
    }
    const dn = configured.find((g) => g.sid === f.sid)?.dn ?? (await groupDnOf(client, f.sid));
    // A forest-root group seen from a child domain is not in this DC's partition: say so without a path.
    if (!dn) {
      facts.push(f);
      continue;
    }
    const own = new OrFilter({
      filters: [
        new EqualityFilter({ attribute: 'member', value: subject.dn }),
        ...(primarySid ? [new EqualityFilter({ attribute: 'objectSid', value: sidToBuffer(primarySid) })] : []),
      ],
    });
    const leadsThere = new OrFilter({
      filters: [new EqualityFilter({ attribute: 'objectSid', value: sidToBuffer(f.sid) }), new ExtensibleFilter({ matchType: 'memberOf', rule: IN_CHAIN, value: dn })],
    });
    const { searchEntries } = await client.search(domainNc, {
      scope: 'sub',
      filter: new AndFilter({ filters: [GROUP, own, leadsThere] }),
      attributes: ['objectSid', 'sAMAccountName'],
      explicitBufferAttributes: ['objectSid'],
      sizeLimit: 20,
    });
    const sids = searchEntries.map((e) => (Buffer.isBuffer(e.objectSid) ? sidToString(e.objectSid) : ''));
    if (sids.some((s) => s.toUpperCase() === f.sid.toUpperCase())) {
      facts.push(f);
      continue;
    }
    const through = searchEntries
      .map((e) => safeLabel(attrString(e.sAMAccountName) ?? ''))
      .filter(Boolean)
      .sort()[0];
    facts.push(through ? { ...f, through } : f);
  }
  return findingOf(facts);
}

async function groupDnOf(client: Client, sid: string): Promise<string | undefined> {
  try {
    const { searchEntries } = await client.search(`<SID=${sid}>`, { scope: 'base', filter: GROUP, attributes: ['1.1'] });
    return searchEntries[0]?.dn;
  } catch (err) {
    if (err instanceof NoSuchObjectError) return undefined;
    throw err;
  }
}

/** Names read from the directory end up on cards: one line, no control characters, bounded. */
export function safeLabel(raw: string): string {
  const clean = raw.replace(/\p{Cc}+/gu, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL - 1)}…` : clean;
}
