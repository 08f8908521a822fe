// The agent's directory operations. Every write goes through the same gate,
// in this order: find the account by an escaped filter, refuse it if it lies
// outside the managed OUs, refuse it if it is protected and the job carries
// no approval, precheck the new password, let the caller record what it is
// about to do; only then one LDAP modify. Finding, protection, state and
// password version usually come from one search (see readAccount). Whether
// an account is protected is never guessed: a lookup that fails fails the
// operation, and only successful lookups are cached.
import { Attribute, Change, InvalidDNSyntaxError, NoSuchObjectError, PresenceFilter, type Client, type Control, type Entry, type Filter } from 'ldapts';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config';
import {
  AgentError,
  DirectoryUnavailableError,
  OutOfScopeError,
  PolicyViolationError,
  PrivilegeUndeterminedError,
  ProtectedAccountError,
  ProtectedGroupMissingError,
  UserNotFoundError,
} from '../errors';
import { guidToString, sidToString } from './ad-ids';
import { fileTimeToDate } from './ad-time';
import { accountStatus, type AccountStatus } from './account-status';
import { connectDirectory, type DirectoryConnection } from './connection';
import { PolicyHintsControl } from './controls/policy-hints-control';
import { isStrictlyUnder } from './dn';
import { mapLdapError, type LdapContext } from './map-ldap-error';
import { precheckPassword } from './password-precheck';
import { attrInt, attrString, combinePolicy, readDomainPolicy, readPso, type DomainPolicy, type PasswordPolicy } from './policy';
import {
  judgePrivilege,
  nameMembershipPaths,
  resolveConfiguredGroups,
  tokenGroupsOf,
  type ConfiguredGroup,
  type ConfiguredGroups,
  type PrivilegeFinding,
  type PrivilegeSubject,
} from './privilege';
import { ATTID_UNICODE_PWD, parseReplPropertyMetaData } from './repl-metadata';
import { resolveTarget, targetFilter, type Target } from './target';

export interface UserEntry {
  dn: string;
  sid: string;
  guid: string;
  samAccountName: string;
  userPrincipalName: string | undefined;
  displayName: string | undefined;
  userAccountControl: number;
  adminCount: number;
  primaryGroupId: number | undefined;
}

export interface OperationResult {
  dn: string;
  /** The DC that applied the change; read the password version back from the same DC. */
  dcUrl: string;
  /** False when beforeWrite declined: nothing was written. */
  applied: boolean;
}

export type HistoryEnforcement =
  | { enforced: true }
  | { enforced: false; reason: 'not_requested' | 'dc_does_not_support_policy_hints' };

export interface ResetResult extends OperationResult {
  mustChangeAtNextLogon: boolean;
  unlocked: boolean;
  history: HistoryEnforcement;
}

/** What a write is about to touch, as the read just before it saw it. */
export interface AboutToWrite {
  dn: string;
  /** unicodePwd's replication version (password writes only). */
  passwordVersion?: number;
}

export interface ResetOptions extends GuardOptions {
  mustChangeAtNextLogon?: boolean;
  /** Ask AD to apply password history to this reset (policy-hints control). Defaults to the config's enforceHistoryOnReset. */
  enforceHistory?: boolean;
  /** Also clear a lockout in the same modify. */
  unlock?: boolean;
}

export interface GuardOptions {
  /** Set only for jobs a human approver approved; without it protected accounts are refused. */
  approvedPrivileged?: boolean;
  /**
   * Called after every check passed, right before the one modify (the
   * writeback journal records the job here). Answering false writes nothing;
   * whatever it throws is passed on unchanged.
   */
  beforeWrite?: (account: AboutToWrite) => Promise<boolean>;
}

export interface PasswordVersion extends Omit<OperationResult, 'applied'> {
  /** How many times unicodePwd has been written on this object (0: never). */
  version: number;
  changedAt: Date | null;
}

export type Inspection =
  | { found: false }
  | {
      found: true;
      dn: string;
      sid: string;
      guid: string;
      samAccountName: string;
      userPrincipalName: string | undefined;
      displayName: string | undefined;
      inScope: boolean;
      privileged: boolean;
      /** Short tokens: "adminCount", group names, protected accounts. */
      privilegeReasons: string[];
      /** Why, as an approver reads it: "member of Domain Admins through Tier0 Operators", "adminCount is set". */
      privilegedBecause: string[];
      status: AccountStatus;
      policy: PasswordPolicy;
      /** Whether the DC that answered honours password history on a reset that asks for it (the policy-hints control). */
      historyEnforcedOnReset: boolean;
    };

export interface RootDse {
  supportedControl: string[];
  dnsHostName: string | undefined;
  defaultNamingContext: string | undefined;
}

export interface DirectoryOptions {
  logger?: Logger;
  now?: () => Date;
  /** How long domain/PSO policy and configured protected-group lookups are reused (failures never are). */
  cacheMs?: number;
  /**
   * Bound connections kept for operations that run at once (default 1). A DC
   * works through one connection's requests in turn, so an agent running
   * several jobs at once gives each its own.
   */
  connections?: number;
}

/** One kept connection, and whether an operation is using it now. */
interface Slot {
  connecting: Promise<DirectoryConnection> | undefined;
  busy: boolean;
}

export type DirectoryConfig = Pick<
  AgentConfig,
  | 'dcUrls' | 'startTls' | 'ca' | 'tlsServername' | 'bindDn' | 'bindPassword' | 'connectTimeoutMs' | 'operationTimeoutMs'
  | 'baseDn' | 'managedOus' | 'protectedGroups' | 'enforceHistoryOnReset'
>;

export const POLICY_HINTS_OID = PolicyHintsControl.type;

const FIND_ATTRS = [
  'distinguishedName', 'objectSid', 'objectGUID', 'sAMAccountName', 'userPrincipalName', 'displayName',
  'userAccountControl', 'adminCount', 'primaryGroupID',
];
// Constructed attributes: AD computes these only on a base-scope search.
const STATE_ATTRS = [
  'userAccountControl', 'msDS-User-Account-Control-Computed', 'msDS-UserPasswordExpiryTimeComputed', 'pwdLastSet', 'msDS-ResultantPSO',
];
const REPL_ATTR = 'replPropertyMetaData';
// Constructed like the state attributes: every group the account is in, nested and primary included.
const TOKEN_GROUPS = 'tokenGroups';
const BUFFER_ATTRS = ['objectSid', 'objectGUID', REPL_ATTR, TOKEN_GROUPS];
const OBJECT_PRESENT = new PresenceFilter({ attribute: 'objectClass' });

/** One read of an account: who it is, its state and, when asked for, its password version and protection. */
interface AccountRead {
  user: UserEntry;
  state: Record<string, unknown>;
  /** Null when the read was not asked to judge protection (an approved job). */
  privilege: PrivilegeFinding | null;
  /** What protection was judged on, and the configured groups it used (for naming membership paths). */
  judged: { subject: PrivilegeSubject; configured: ConfiguredGroup[] } | null;
  /** The raw replPropertyMetaData, when asked for. */
  repl: unknown;
}

interface ReadWants {
  protection: boolean;
  version: boolean;
}

/** Thrown by beforeWrite: not a directory failure, so it must reach the caller as it was. */
class BeforeWriteFailure extends Error {
  constructor(readonly original: unknown) {
    super('beforeWrite failed');
  }
}

export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

interface Cached<T> {
  value: T;
  at: number;
}

export class Directory {
  private readonly config: DirectoryConfig;
  private readonly log: Logger | undefined;
  private readonly now: () => Date;
  private readonly cacheMs: number;
  private readonly slots: Slot[];
  private readonly waitingForSlot: Array<() => void> = [];
  private rootDseCache = new Map<string, RootDse>();
  private domainPolicy: Cached<DomainPolicy> | undefined;
  private psoCache = new Map<string, Cached<DomainPolicy | null>>();
  private configured: Cached<ConfiguredGroup[]> | undefined;

  constructor(config: DirectoryConfig, options: DirectoryOptions = {}) {
    this.config = config;
    this.log = options.logger;
    this.now = options.now ?? (() => new Date());
    this.cacheMs = options.cacheMs ?? 5 * 60_000;
    this.slots = Array.from({ length: Math.max(1, options.connections ?? 1) }, () => ({ connecting: undefined, busy: false }));
  }

  /** Finds the account or throws UserNotFoundError. Searches the whole base DN so out-of-scope accounts are recognised as such. */
  async find(target: Target): Promise<UserEntry> {
    return this.run('find', 'search', async (c) => this.locate(c.client, target));
  }

  async reset(target: Target, newPassword: string, options: ResetOptions = {}): Promise<ResetResult> {
    return this.run('reset', 'reset', async (conn) => {
      const { client, url } = conn;
      const read = await this.readAccount(conn, target, { protection: !options.approvedPrivileged, version: !!options.beforeWrite });
      const { user, state } = read;
      this.guard(read, options);
      const policy = await this.policyFor(client, attrString(state['msDS-ResultantPSO']) ?? null);
      const reason = precheckPassword({ password: newPassword, policy, samAccountName: user.samAccountName, displayName: user.displayName });
      if (reason) throw new PolicyViolationError(reason, { precheck: true, policySource: policy.source });

      const wantHistory = options.enforceHistory ?? this.config.enforceHistoryOnReset;
      const controls: Control[] = [];
      let history: HistoryEnforcement = { enforced: false, reason: 'not_requested' };
      if (wantHistory) {
        if ((await this.rootDseOf(client, url)).supportedControl.includes(POLICY_HINTS_OID)) {
          controls.push(new PolicyHintsControl());
          history = { enforced: true };
        } else {
          history = { enforced: false, reason: 'dc_does_not_support_policy_hints' };
        }
      }
      if (!(await this.beforeWrite(options, read))) {
        return { dn: user.dn, dcUrl: url, applied: false, mustChangeAtNextLogon: false, unlocked: false, history: { enforced: false, reason: 'not_requested' } };
      }
      const changes = [replace('unicodePwd', encodeUnicodePwd(newPassword))];
      if (options.mustChangeAtNextLogon) changes.push(replace('pwdLastSet', '0'));
      if (options.unlock) changes.push(replace('lockoutTime', '0'));
      await client.modify(user.dn, changes, controls);
      this.log?.info({ op: 'reset', dn: user.dn, dcUrl: url, history: history.enforced, mustChange: !!options.mustChangeAtNextLogon }, 'password reset');
      return { dn: user.dn, dcUrl: url, applied: true, mustChangeAtNextLogon: !!options.mustChangeAtNextLogon, unlocked: !!options.unlock, history };
    });
  }

  async unlock(target: Target, options: GuardOptions = {}): Promise<OperationResult & { wasLocked: boolean }> {
    return this.run('unlock', 'modify', async (conn) => {
      const { client, url } = conn;
      const read = await this.readAccount(conn, target, { protection: !options.approvedPrivileged, version: false });
      const { user, state } = read;
      this.guard(read, options);
      const wasLocked = this.statusFrom(state).locked;
      if (!(await this.beforeWrite(options, read))) return { dn: user.dn, dcUrl: url, applied: false, wasLocked };
      await client.modify(user.dn, [replace('lockoutTime', '0')]);
      this.log?.info({ op: 'unlock', dn: user.dn, dcUrl: url, wasLocked }, 'account unlocked');
      return { dn: user.dn, dcUrl: url, applied: true, wasLocked };
    });
  }

  async requireChangeAtNextLogon(target: Target, options: GuardOptions = {}): Promise<OperationResult> {
    return this.run('must-change', 'modify', async (conn) => {
      const { client, url } = conn;
      const read = await this.readAccount(conn, target, { protection: !options.approvedPrivileged, version: false });
      const { user } = read;
      this.guard(read, options);
      if (!(await this.beforeWrite(options, read))) return { dn: user.dn, dcUrl: url, applied: false };
      await client.modify(user.dn, [replace('pwdLastSet', '0')]);
      this.log?.info({ op: 'must-change', dn: user.dn, dcUrl: url }, 'change required at next logon');
      return { dn: user.dn, dcUrl: url, applied: true };
    });
  }

  /**
   * A user's own change: the old value is deleted and the new one added in
   * one modify, so AD itself checks the current password, history and
   * minimum age.
   */
  async change(target: Target, currentPassword: string, newPassword: string, options: GuardOptions = {}): Promise<OperationResult> {
    return this.run('change', 'change', async (conn) => {
      const { client, url } = conn;
      const read = await this.readAccount(conn, target, { protection: !options.approvedPrivileged, version: !!options.beforeWrite });
      const { user, state } = read;
      this.guard(read, options);
      const policy = await this.policyFor(client, attrString(state['msDS-ResultantPSO']) ?? null);
      const reason = precheckPassword({
        password: newPassword,
        policy,
        samAccountName: user.samAccountName,
        displayName: user.displayName,
        passwordLastSet: fileTimeToDate(attrString(state.pwdLastSet)),
        now: this.now(),
      });
      if (reason) throw new PolicyViolationError(reason, { precheck: true, policySource: policy.source });
      if (!(await this.beforeWrite(options, read))) return { dn: user.dn, dcUrl: url, applied: false };
      await client.modify(user.dn, [
        new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(currentPassword)] }) }),
        new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(newPassword)] }) }),
      ]);
      this.log?.info({ op: 'change', dn: user.dn, dcUrl: url }, 'password changed');
      return { dn: user.dn, dcUrl: url, applied: true };
    });
  }

  async status(target: Target): Promise<AccountStatus & { dn: string }> {
    return this.run('status', 'search', async (conn) => {
      const { user, state } = await this.readAccount(conn, target, { protection: false, version: false });
      return { dn: user.dn, ...this.statusFrom(state) };
    });
  }

  async effectivePolicy(target: Target): Promise<PasswordPolicy> {
    return this.run('policy', 'search', async (conn) => {
      const { state } = await this.readAccount(conn, target, { protection: false, version: false });
      return this.policyFor(conn.client, attrString(state['msDS-ResultantPSO']) ?? null);
    });
  }

  /** Whether the account is protected and why, membership paths named. */
  async privilege(target: Target): Promise<PrivilegeFinding> {
    return this.run('privilege', 'search', async (conn) => this.explainedPrivilege(conn, await this.readAccount(conn, target, { protection: true, version: false })));
  }

  isInScope(dn: string): boolean {
    return this.config.managedOus.some((ou) => isStrictlyUnder(dn, ou));
  }

  /** Everything the service needs to decide about a request, in one call; never writes. */
  async inspect(target: Target): Promise<Inspection> {
    return this.run('inspect', 'search', async (conn) => {
      const { client, url } = conn;
      let read: AccountRead;
      try {
        read = await this.readAccount(conn, target, { protection: true, version: false });
      } catch (err) {
        if (err instanceof UserNotFoundError) return { found: false } as const;
        throw err;
      }
      const { user, state } = read;
      const privilege = await this.explainedPrivilege(conn, read);
      return {
        found: true,
        dn: user.dn,
        sid: user.sid,
        guid: user.guid,
        samAccountName: user.samAccountName,
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        inScope: this.isInScope(user.dn),
        privileged: privilege.privileged,
        privilegeReasons: privilege.reasons,
        privilegedBecause: privilege.because,
        status: this.statusFrom(state),
        policy: await this.policyFor(client, attrString(state['msDS-ResultantPSO']) ?? null),
        historyEnforcedOnReset: (await this.rootDseOf(client, url)).supportedControl.includes(POLICY_HINTS_OID),
      } as const;
    });
  }

  /**
   * The replication version of the account's unicodePwd: it grows by one on
   * every password write, so a job re-leased after a crash can compare it
   * with the version it saw before writing.
   */
  async passwordVersion(target: Target): Promise<PasswordVersion> {
    return this.run('password-version', 'search', async (conn) => {
      const { url } = conn;
      const read = await this.readAccount(conn, target, { protection: false, version: true });
      return { dn: read.user.dn, dcUrl: url, ...passwordVersionOf(read) };
    });
  }

  async rootDse(): Promise<RootDse & { dcUrl: string }> {
    return this.run('root-dse', 'search', async ({ client, url }) => ({ dcUrl: url, ...(await this.rootDseOf(client, url)) }));
  }

  /**
   * Looks up the configured protectedGroups afresh (doctor and agent start):
   * which exist, which name a built-in group, and which are missing. A lookup
   * that fails throws AGENT_PRIVILEGE_UNDETERMINED.
   */
  async protectedGroups(): Promise<ConfiguredGroups> {
    return this.run('protected-groups', 'search', async (conn) => {
      const found = await this.resolveConfigured(conn);
      if (!found.missing.length) this.configured = { value: found.groups, at: this.now().getTime() };
      return found;
    });
  }

  async close(): Promise<void> {
    for (const slot of this.slots) {
      const pending = slot.connecting;
      slot.connecting = undefined;
      if (!pending) continue;
      const conn = await pending.catch(() => undefined);
      await conn?.client.unbind().catch(() => undefined);
    }
  }

  // ---- internals ----

  /** A connection no other operation is using, waiting for one if all are busy. */
  private async acquire(): Promise<Slot> {
    for (;;) {
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waitingForSlot.shift()?.();
  }

  private async session(slot: Slot): Promise<DirectoryConnection> {
    if (slot.connecting) {
      const conn = await slot.connecting.catch(() => undefined);
      if (conn && conn.client.isConnected && conn.client.isBound) return conn;
      if (conn) await conn.client.unbind().catch(() => undefined);
      slot.connecting = undefined;
    }
    const attempt = connectDirectory(this.config, this.log);
    slot.connecting = attempt;
    try {
      return await attempt;
    } catch (err) {
      if (slot.connecting === attempt) slot.connecting = undefined;
      throw err;
    }
  }

  private async run<T>(op: string, context: LdapContext, fn: (conn: DirectoryConnection) => Promise<T>): Promise<T> {
    const slot = await this.acquire();
    try {
      return await this.runOn(slot, op, context, fn);
    } finally {
      this.release(slot);
    }
  }

  private async runOn<T>(slot: Slot, op: string, context: LdapContext, fn: (conn: DirectoryConnection) => Promise<T>): Promise<T> {
    let conn: DirectoryConnection | undefined;
    try {
      conn = await this.session(slot);
      return await fn(conn);
    } catch (err) {
      if (err instanceof BeforeWriteFailure) throw err.original;
      const mapped = mapLdapError(err, context);
      if (conn && (mapped instanceof DirectoryUnavailableError || mapped.details.cause === 'AGENT_DIRECTORY_UNAVAILABLE')) {
        this.rootDseCache.delete(conn.url);
        await conn.client.unbind().catch(() => undefined);
      }
      this.log?.warn({ op, errorCode: mapped.code, ...mapped.details }, 'directory operation failed');
      throw mapped;
    }
  }

  private async locate(client: Client, target: Target, extraAttributes: string[] = []): Promise<UserEntry> {
    return userEntryOf(await this.locateEntry(client, target, extraAttributes));
  }

  private async locateEntry(client: Client, target: Target, extraAttributes: string[]): Promise<Entry> {
    const { searchEntries } = await client.search(this.config.baseDn, {
      scope: 'sub',
      filter: targetFilter(resolveTarget(target)),
      attributes: [...FIND_ATTRS, ...extraAttributes],
      explicitBufferAttributes: ['objectSid', 'objectGUID', REPL_ATTR],
      sizeLimit: 2,
    });
    if (searchEntries.length !== 1) throw new UserNotFoundError(searchEntries.length > 1 ? { ambiguous: true } : {});
    return searchEntries[0]!;
  }

  /**
   * Everything a write or an inspection needs to know about one account, in
   * as few round trips as the target allows. A SID or GUID names the object
   * itself (AD's <SID=...> form), so one base-scope search brings the entry,
   * its constructed state, its password version and, when protection
   * matters, its tokenGroups; a UPN or account name needs a subtree search
   * first. Protection is judged from that same read (see privilege.ts);
   * configured extra groups are looked up before it, from a cache of
   * successful lookups only.
   */
  private async readAccount(conn: DirectoryConnection, target: Target, wants: ReadWants): Promise<AccountRead> {
    const { client } = conn;
    const resolved = resolveTarget(target);
    const configured = wants.protection ? await this.configuredGroupsOf(conn) : undefined;
    const versionAttrs = wants.version ? [REPL_ATTR] : [];
    const stateAttrs = wants.protection ? [...STATE_ATTRS, TOKEN_GROUPS] : STATE_ATTRS;
    let user: UserEntry;
    let state: Entry | undefined;
    let repl: unknown;
    if (resolved.kind === 'sid' || resolved.kind === 'guid') {
      const base = resolved.kind === 'sid' ? `<SID=${resolved.value}>` : `<GUID=${resolved.value}>`;
      state = await this.readBase(client, base, targetFilter(resolved), [...FIND_ATTRS, ...stateAttrs, ...versionAttrs]);
      // <SID=...> finds objects anywhere on this DC; only accounts under the base DN are ours to find.
      if (!state || !isStrictlyUnder(state.dn, this.config.baseDn)) throw new UserNotFoundError();
      user = userEntryOf(state);
      repl = state[REPL_ATTR];
    } else {
      const entry = await this.locateEntry(client, target, versionAttrs);
      state = await this.readBase(client, entry.dn, OBJECT_PRESENT, stateAttrs);
      if (!state) throw new UserNotFoundError();
      user = userEntryOf(entry);
      repl = entry[REPL_ATTR];
    }
    if (!configured) return { user, state, repl, privilege: null, judged: null };
    const subject: PrivilegeSubject = {
      dn: user.dn,
      sid: user.sid,
      adminCount: user.adminCount,
      primaryGroupId: user.primaryGroupId,
      tokenGroups: tokenGroupsOf(state[TOKEN_GROUPS], user),
    };
    return { user, state, repl, privilege: judgePrivilege(subject, configured), judged: { subject, configured } };
  }

  /** A base-scope read; undefined when the filter does not match or the object does not exist. */
  private async readBase(client: Client, base: string, filter: Filter, attributes: string[]): Promise<Entry | undefined> {
    try {
      const { searchEntries } = await client.search(base, { scope: 'base', filter, attributes, explicitBufferAttributes: BUFFER_ATTRS });
      return searchEntries[0];
    } catch (err) {
      if (err instanceof NoSuchObjectError || err instanceof InvalidDNSyntaxError) return undefined;
      throw err;
    }
  }

  private async beforeWrite(options: GuardOptions, read: AccountRead): Promise<boolean> {
    if (!options.beforeWrite) return true;
    const about: AboutToWrite = { dn: read.user.dn };
    if (read.repl !== undefined) about.passwordVersion = passwordVersionOf(read).version;
    try {
      return await options.beforeWrite(about);
    } catch (err) {
      throw new BeforeWriteFailure(err);
    }
  }

  /** Scope first, then protection: both before anything is written. */
  private guard(read: AccountRead, options: GuardOptions): void {
    if (!this.isInScope(read.user.dn)) throw new OutOfScopeError(read.user.dn);
    if (options.approvedPrivileged) return;
    // A read for an unapproved write always judges protection; missing means a caller bug, so refuse.
    if (read.privilege?.privileged !== false) throw new ProtectedAccountError(read.user.dn);
  }

  /** The read's finding with nested memberships named ("through Tier0 Operators"), for people to read. */
  private async explainedPrivilege(conn: DirectoryConnection, read: AccountRead): Promise<PrivilegeFinding> {
    const { privilege, judged } = read;
    if (!privilege || !judged) throw new PrivilegeUndeterminedError({ step: 'membership', reason: 'not_read' });
    if (!privilege.privileged) return privilege;
    try {
      return await nameMembershipPaths(conn.client, await this.domainNcOf(conn), judged.subject, privilege, judged.configured);
    } catch (err) {
      throw undetermined('membership-path', err);
    }
  }

  /**
   * The configured extra protected groups, from cache when a lookup succeeded
   * recently. A failed lookup is thrown and leaves the cache as it was, and a
   * missing group is an error: a renamed or deleted group must not quietly
   * stop protecting its members.
   */
  private async configuredGroupsOf(conn: DirectoryConnection): Promise<ConfiguredGroup[]> {
    if (!this.config.protectedGroups.length) return [];
    const nowMs = this.now().getTime();
    if (this.configured && nowMs - this.configured.at < this.cacheMs) return this.configured.value;
    const found = await this.resolveConfigured(conn);
    if (found.missing.length) throw new ProtectedGroupMissingError(found.missing);
    this.configured = { value: found.groups, at: nowMs };
    return found.groups;
  }

  private async resolveConfigured(conn: DirectoryConnection): Promise<ConfiguredGroups> {
    try {
      return await resolveConfiguredGroups(conn.client, await this.domainNcOf(conn), this.config.protectedGroups);
    } catch (err) {
      throw undetermined('protected-groups', err);
    }
  }

  /** Groups live anywhere in the domain, not only under the base DN where users are searched. */
  private async domainNcOf(conn: DirectoryConnection): Promise<string> {
    return (await this.rootDseOf(conn.client, conn.url)).defaultNamingContext ?? this.config.baseDn;
  }

  private statusFrom(state: Record<string, unknown>): AccountStatus {
    return accountStatus({
      userAccountControl: attrInt(state.userAccountControl),
      computedUserAccountControl: attrInt(state['msDS-User-Account-Control-Computed']),
      pwdLastSet: attrString(state.pwdLastSet),
      passwordExpiryTimeComputed: attrString(state['msDS-UserPasswordExpiryTimeComputed']),
    });
  }

  private async policyFor(client: Client, psoDn: string | null): Promise<PasswordPolicy> {
    const nowMs = this.now().getTime();
    if (!this.domainPolicy || nowMs - this.domainPolicy.at >= this.cacheMs) {
      this.domainPolicy = { value: await readDomainPolicy(client, this.config.baseDn), at: nowMs };
    }
    let pso: DomainPolicy | null = null;
    if (psoDn) {
      const cached = this.psoCache.get(psoDn);
      if (cached && nowMs - cached.at < this.cacheMs) pso = cached.value;
      else {
        pso = await readPso(client, psoDn);
        this.psoCache.set(psoDn, { value: pso, at: nowMs });
      }
    }
    return combinePolicy(this.domainPolicy.value, psoDn, pso);
  }

  private async rootDseOf(client: Client, url: string): Promise<RootDse> {
    const cached = this.rootDseCache.get(url);
    if (cached) return cached;
    const { searchEntries } = await client.search('', { scope: 'base', attributes: ['supportedControl', 'dnsHostName', 'defaultNamingContext'] });
    const e: Record<string, unknown> = searchEntries[0] ?? {};
    const controls = e.supportedControl;
    const value: RootDse = {
      supportedControl: (Array.isArray(controls) ? controls : controls ? [controls] : []).map(String),
      dnsHostName: attrString(e.dnsHostName),
      defaultNamingContext: attrString(e.defaultNamingContext),
    };
    this.rootDseCache.set(url, value);
    return value;
  }
}

/** A lookup that protection depends on failed: typed, with what failed and how, never as "not protected". */
function undetermined(step: string, err: unknown): AgentError {
  if (err instanceof PrivilegeUndeterminedError || err instanceof ProtectedGroupMissingError) return err;
  const mapped = mapLdapError(err, 'search');
  const ldapCode = mapped.details.ldapCode;
  return new PrivilegeUndeterminedError({ step, cause: mapped.code, ...(ldapCode !== undefined ? { ldapCode } : {}) }, { cause: err });
}

function replace(type: string, value: string | Buffer): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values: [value as string] }) });
}

/** Creates the directory the writeback daemon and the CLI use. */
export function createDirectory(config: DirectoryConfig, options: DirectoryOptions = {}): Directory {
  return new Directory(config, options);
}


function passwordVersionOf(read: Pick<AccountRead, 'user' | 'repl'>): { version: number; changedAt: Date | null } {
  const blob = Array.isArray(read.repl) ? read.repl[0] : read.repl;
  if (!Buffer.isBuffer(blob)) throw new AgentError('AGENT_NOT_PERMITTED', 'The account\'s replication metadata could not be read.', { dn: read.user.dn });
  const entry = parseReplPropertyMetaData(blob).find((m) => m.attid === ATTID_UNICODE_PWD);
  return { version: entry?.version ?? 0, changedAt: entry?.originatingChangeTime ?? null };
}

function userEntryOf(e: Entry): UserEntry {
  const sid = e.objectSid;
  const guid = e.objectGUID;
  return {
    dn: e.dn,
    sid: Buffer.isBuffer(sid) ? sidToString(sid) : '',
    guid: Buffer.isBuffer(guid) ? guidToString(guid) : '',
    samAccountName: attrString(e.sAMAccountName) ?? '',
    userPrincipalName: attrString(e.userPrincipalName),
    displayName: attrString(e.displayName),
    userAccountControl: attrInt(e.userAccountControl),
    adminCount: attrInt(e.adminCount),
    primaryGroupId: attrString(e.primaryGroupID) ? attrInt(e.primaryGroupID) : undefined,
  };
}
