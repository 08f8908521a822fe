// Who may see which view of the console: one table. A person's roles are
// their memberships of the configured Entra groups, asked of Graph on every
// API call; an answer is reused for at most RESETDESK_CONSOLE_ROLE_CACHE_SECONDS
// (≤ 60 s, 30 by default), so someone removed from a group loses the console
// within that time on every replica, and a page left open never keeps a role.
import type { PeopleDirectory } from '../journey/ports';

export const CONSOLE_ROLES = ['helpdesk', 'approver', 'admin'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export const CONSOLE_VIEWS = ['helpdesk', 'approvals', 'requests', 'agents', 'audit', 'counts'] as const;
export type ConsoleView = (typeof CONSOLE_VIEWS)[number];

/** The roles that open each view. Every API route names its view, so this table is the whole rule. */
export const VIEW_ROLES: Readonly<Record<ConsoleView, readonly ConsoleRole[]>> = {
  helpdesk: ['helpdesk'],
  approvals: ['approver'],
  requests: ['helpdesk', 'admin'],
  agents: ['admin'],
  audit: ['admin'],
  counts: ['admin'],
};

export function viewsFor(roles: readonly ConsoleRole[]): ConsoleView[] {
  return CONSOLE_VIEWS.filter((v) => VIEW_ROLES[v].some((r) => roles.includes(r)));
}

export function mayOpen(roles: readonly ConsoleRole[], view: ConsoleView): boolean {
  return VIEW_ROLES[view].some((r) => roles.includes(r));
}

export interface RoleGroups {
  helpdesk: string | undefined;
  approvers: string | undefined;
  admins: string | undefined;
}

export interface RoleChecker {
  /** The person's roles now (or as Graph said at most the cache time ago). Graph failures are thrown, never read as "no role". */
  rolesOf(aadObjectId: string): Promise<ConsoleRole[]>;
}

// Enough for every helpdesk member, approver and admin of a large company at once.
const MAX_CACHED_PEOPLE = 2000;

export function createRoleChecker(deps: {
  people: Pick<PeopleDirectory, 'isMemberOfGroup'>;
  groups: RoleGroups;
  cacheMs: number;
  now: () => Date;
}): RoleChecker {
  const groupOf: Record<ConsoleRole, string | undefined> = { helpdesk: deps.groups.helpdesk, approver: deps.groups.approvers, admin: deps.groups.admins };
  const cache = new Map<string, { roles: ConsoleRole[]; at: number }>();

  async function ask(aadObjectId: string): Promise<ConsoleRole[]> {
    const answers = await Promise.all(
      CONSOLE_ROLES.map(async (role) => {
        const group = groupOf[role];
        return group !== undefined && (await deps.people.isMemberOfGroup(aadObjectId, group)) ? role : null;
      }),
    );
    return answers.filter((r): r is ConsoleRole => r !== null);
  }

  return {
    async rolesOf(aadObjectId) {
      const now = deps.now().getTime();
      const hit = cache.get(aadObjectId);
      if (hit && now - hit.at < deps.cacheMs && now >= hit.at) return hit.roles;
      const roles = await ask(aadObjectId);
      if (deps.cacheMs > 0) {
        cache.delete(aadObjectId);
        cache.set(aadObjectId, { roles, at: now });
        // Oldest first in a Map: drop from the front.
        while (cache.size > MAX_CACHED_PEOPLE) cache.delete(cache.keys().next().value!);
      }
      return roles;
    },
  };
}
