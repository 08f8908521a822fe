// Which accounts are "protected": the agent refuses them unless the job says
// a human approved it. adminCount=1 is AD's own marker (set by SDProp on
// Windows), but Samba never sets it and it lags on Windows, so membership of
// the protected groups is always checked too: nested, through the
// in-chain matching rule, and through primaryGroupID, which memberOf omits.
import { escapeFilter, ExtensibleFilter, NotFilter, OrFilter, type Client, type Filter } from 'ldapts';
import { attrString } from './policy';

export const IN_CHAIN = '1.2.840.113556.1.4.1941';

export interface ProtectedGroup {
  name: string;
  dn: string;
  /** The group's RID as users' primaryGroupID refers to it. */
  primaryGroupToken: number | undefined;
}

export interface ProtectedGroups {
  found: ProtectedGroup[];
  /** Configured names that do not exist in this domain (e.g. Enterprise Admins outside the forest root). */
  missing: string[];
}

export async function resolveProtectedGroups(client: Client, baseDn: string, configured: string[]): Promise<ProtectedGroups> {
  const found: ProtectedGroup[] = [];
  const missing: string[] = [];
  for (const name of configured) {
    const isDn = name.includes('=');
    const { searchEntries } = await client
      .search(isDn ? name : baseDn, {
        scope: isDn ? 'base' : 'sub',
        filter: isDn ? '(objectClass=group)' : escapeFilter`(&(objectClass=group)(sAMAccountName=${name}))`,
        attributes: ['distinguishedName'],
        sizeLimit: 2,
      })
      .catch(() => ({ searchEntries: [] as { dn: string }[] }));
    const entry = searchEntries[0];
    if (!entry) {
      missing.push(name);
      continue;
    }
    // primaryGroupToken is constructed: AD returns it only on a base search.
    const token = await client
      .search(entry.dn, { scope: 'base', attributes: ['primaryGroupToken'] })
      .then((r) => attrString(r.searchEntries[0]?.primaryGroupToken))
      .catch(() => undefined);
    found.push({ name, dn: entry.dn, primaryGroupToken: token ? Number(token) : undefined });
  }
  return { found, missing };
}

export interface PrivilegeFinding {
  privileged: boolean;
  /** Why: "adminCount", or the protected group names the account is in. */
  reasons: string[];
}

type PrivilegeSubject = { dn: string; adminCount: number; primaryGroupId: number | undefined };

/** What the entry itself shows: adminCount and a protected primary group (memberOf omits the primary group). */
export function privilegeFromEntry(user: Omit<PrivilegeSubject, 'dn'>, groups: ProtectedGroups): PrivilegeFinding {
  const reasons: string[] = [];
  if (user.adminCount === 1) reasons.push('adminCount');
  for (const g of groups.found) {
    if (user.primaryGroupId !== undefined && g.primaryGroupToken === user.primaryGroupId) reasons.push(g.name);
  }
  return { privileged: reasons.length > 0, reasons };
}

/**
 * A filter that matches only accounts in none of the protected groups, nested
 * included; undefined when no protected group exists. Put in the filter of
 * the read that fetches the account, it makes the DC answer the membership
 * question in the same round trip. It fails closed: a DC that cannot evaluate
 * the rule returns no entry, and the caller then asks group by group.
 */
export function notInProtectedGroups(groups: ProtectedGroups): Filter | undefined {
  if (!groups.found.length) return undefined;
  const anyOf = groups.found.map((g) => new ExtensibleFilter({ matchType: 'memberOf', rule: IN_CHAIN, value: g.dn }));
  return new NotFilter({ filter: new OrFilter({ filters: anyOf }) });
}

export async function detectPrivilege(client: Client, user: PrivilegeSubject, groups: ProtectedGroups): Promise<PrivilegeFinding> {
  const { reasons } = privilegeFromEntry(user, groups);
  if (groups.found.length) {
    const anyOf = groups.found.map((g) => escapeFilter`(memberOf:${IN_CHAIN}:=${g.dn})`).join('');
    const { searchEntries } = await client.search(user.dn, { scope: 'base', filter: `(|${anyOf})`, attributes: ['1.1'] });
    if (searchEntries.length) {
      // Rare path: name the groups, one check each.
      for (const g of groups.found) {
        const r = await client.search(user.dn, { scope: 'base', filter: escapeFilter`(memberOf:${IN_CHAIN}:=${g.dn})`, attributes: ['1.1'] });
        if (r.searchEntries.length && !reasons.includes(g.name)) reasons.push(g.name);
      }
      if (!reasons.some((r) => r !== 'adminCount')) reasons.push('protected group');
    }
  }
  return { privileged: reasons.length > 0, reasons };
}
