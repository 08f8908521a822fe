// The agent's directory operations. Every write goes through the same gate,
// in this order: find the account by an escaped filter, refuse it if it lies
// outside the managed OUs, refuse it if it is protected and the job carries
// no approval, precheck the new password, let the caller record what it is
// about to do; only then one LDAP modify. Finding, protection, state and
// password version usually come from one search (see readAccount).
import { AndFilter, Attribute, Change, InvalidDNSyntaxError, NoSuchObjectError, PresenceFilter, type Client, type Control, type Entry, type Filter } from 'ldapts';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config';
import {
  AgentError,
  DirectoryUnavailableError,
  OutOfScopeError,
  PolicyViolationError,
  ProtectedAccountError,
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
import { detectPrivilege, notInProtectedGroups, privilegeFromEntry, resolveProtectedGroups, type PrivilegeFinding, type ProtectedGroups } from './privilege';
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
      privilegeReasons: string[];
      status: AccountStatus;
      policy: PasswordPolicy;
    };

export interface RootDse {
  supportedControl: string[];
  dnsHostName: string | undefined;
  defaultNamingContext: string | undefined;
}

export interface DirectoryOptions {
  logger?: Logger;
  now?: () => Date;
  /** How long domain/PSO policy and protected-group lookups are reused. */
  cacheMs?: number;
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
const OBJECT_PRESENT = new PresenceFilter({ attribute: 'objectClass' });

/** One read of an account: who it is, its state and, when asked for, its password version and protection. */
interface AccountRead {
  user: UserEntry;
  state: Record<string, unknown>;
  /** Null when the read was not asked to judge protection (an approved job). */
  privilege: PrivilegeFinding | null;
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
  private connecting: Promise<DirectoryConnection> | undefined;
  private rootDseCache = new Map<string, RootDse>();
  private domainPolicy: Cached<DomainPolicy> | undefined;
  private psoCache = new Map<string, Cached<DomainPolicy | null>>();
  private groups: Cached<ProtectedGroups> | undefined;

  constructor(config: DirectoryConfig, options: DirectoryOptions = {}) {
    this.config = config;
    this.log = options.logger;
    this.now = options.now ?? (() => new Date());
    this.cacheMs = options.cacheMs ?? 5 * 60_000;
  }

  /** Finds the account or throws UserNotFoundError. Searches the whole base DN so out-of-scope accounts are recognised as such. */
  async find(target: Target): Promise<UserEntry> {
    return this.run('find', 'search', async (c) => this.locate(c.client, target));
  }

  async reset(target: Target, newPassword: string, options: ResetOptions = {}): Promise<ResetResult> {
    return this.run('reset', 'reset', async ({ client, url }) => {
      const read = await this.readAccount(client, target, { protection: !options.approvedPrivileged, version: !!options.beforeWrite });
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
    return this.run('unlock', 'modify', async ({ client, url }) => {
      const read = await this.readAccount(client, target, { protection: !options.approvedPrivileged, version: false });
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
    return this.run('must-change', 'modify', async ({ client, url }) => {
      const read = await this.readAccount(client, target, { protection: !options.approvedPrivileged, version: false });
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
    return this.run('change', 'change', async ({ client, url }) => {
      const read = await this.readAccount(client, target, { protection: !options.approvedPrivileged, version: !!options.beforeWrite });
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
    return this.run('status', 'search', async ({ client }) => {
      const { user, state } = await this.readAccount(client, target, { protection: false, version: false });
      return { dn: user.dn, ...this.statusFrom(state) };
    });
  }

  async effectivePolicy(target: Target): Promise<PasswordPolicy> {
    return this.run('policy', 'search', async ({ client }) => {
      const { state } = await this.readAccount(client, target, { protection: false, version: false });
      return this.policyFor(client, attrString(state['msDS-ResultantPSO']) ?? null);
    });
  }

  async privilege(target: Target): Promise<PrivilegeFinding> {
    return this.run('privilege', 'search', async ({ client }) => this.privilegeOf(client, await this.locate(client, target)));
  }

  isInScope(dn: string): boolean {
    return this.config.managedOus.some((ou) => isStrictlyUnder(dn, ou));
  }

  /** Everything the service needs to decide about a request, in one call; never writes. */
  async inspect(target: Target): Promise<Inspection> {
    return this.run('inspect', 'search', async ({ client }) => {
      let read: AccountRead;
      try {
        read = await this.readAccount(client, target, { protection: true, version: false });
      } catch (err) {
        if (err instanceof UserNotFoundError) return { found: false } as const;
        throw err;
      }
      const { user, state } = read;
      const privilege = read.privilege!;
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
        status: this.statusFrom(state),
        policy: await this.policyFor(client, attrString(state['msDS-ResultantPSO']) ?? null),
      } as const;
    });
  }

  /**
   * The replication version of the account's unicodePwd: it grows by one on
   * every password write, so a job re-leased after a crash can compare it
   * with the version it saw before writing.
   */
  async passwordVersion(target: Target): Promise<PasswordVersion> {
    return this.run('password-version', 'search', async ({ client, url }) => {
      const read = await this.readAccount(client, target, { protection: false, version: true });
      return { dn: read.user.dn, dcUrl: url, ...passwordVersionOf(read) };
    });
  }

  async rootDse(): Promise<RootDse & { dcUrl: string }> {
    return this.run('root-dse', 'search', async ({ client, url }) => ({ dcUrl: url, ...(await this.rootDseOf(client, url)) }));
  }

  async protectedGroups(): Promise<ProtectedGroups> {
    return this.run('protected-groups', 'search', async ({ client }) => this.groupsOf(client));
  }

  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (!pending) return;
    const conn = await pending.catch(() => undefined);
    await conn?.client.unbind().catch(() => undefined);
  }

  // ---- internals ----

  private async session(): Promise<DirectoryConnection> {
    if (this.connecting) {
      const conn = await this.connecting.catch(() => undefined);
      if (conn && conn.client.isConnected && conn.client.isBound) return conn;
      if (conn) await conn.client.unbind().catch(() => undefined);
      this.connecting = undefined;
    }
    const attempt = connectDirectory(this.config, this.log);
    this.connecting = attempt;
    try {
      return await attempt;
    } catch (err) {
      if (this.connecting === attempt) this.connecting = undefined;
      throw err;
    }
  }

  private async run<T>(op: string, context: LdapContext, fn: (conn: DirectoryConnection) => Promise<T>): Promise<T> {
    let conn: DirectoryConnection | undefined;
    try {
      conn = await this.session();
      return await fn(conn);
    } catch (err) {
      if (err instanceof BeforeWriteFailure) throw err.original;
      const mapped = mapLdapError(err, context);
      if (mapped instanceof DirectoryUnavailableError && conn) {
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
   * its constructed state and its password version; a UPN or account name
   * needs a subtree search first. When protection matters, the filter also
   * excludes members of the protected groups (nested too), so the DC answers
   * that question in the same search. No entry means something unusual (no
   * such account, not a user, outside the base DN, protected, or a DC that
   * cannot evaluate the filter): then the step-by-step path finds out which.
   */
  private async readAccount(client: Client, target: Target, wants: ReadWants): Promise<AccountRead> {
    const resolved = resolveTarget(target);
    const groups = wants.protection ? await this.groupsOf(client) : undefined;
    const unprotected = groups ? notInProtectedGroups(groups) : undefined;
    const versionAttrs = wants.version ? [REPL_ATTR] : [];
    let found: { user: UserEntry; state: Entry; repl: unknown } | undefined;
    if (resolved.kind === 'sid' || resolved.kind === 'guid') {
      const base = resolved.kind === 'sid' ? `<SID=${resolved.value}>` : `<GUID=${resolved.value}>`;
      const filter = new AndFilter({ filters: [targetFilter(resolved), ...(unprotected ? [unprotected] : [])] });
      const entry = await this.readBase(client, base, filter, [...FIND_ATTRS, ...STATE_ATTRS, ...versionAttrs]);
      if (entry && isStrictlyUnder(entry.dn, this.config.baseDn)) found = { user: userEntryOf(entry), state: entry, repl: entry[REPL_ATTR] };
    } else {
      const entry = await this.locateEntry(client, target, versionAttrs);
      const state = await this.readBase(client, entry.dn, unprotected ?? OBJECT_PRESENT, STATE_ATTRS);
      if (state) found = { user: userEntryOf(entry), state, repl: entry[REPL_ATTR] };
    }
    if (found) return { ...found, privilege: groups ? privilegeFromEntry(found.user, groups) : null };

    const user = await this.locate(client, target);
    const privilege = groups ? await detectPrivilege(client, user, groups) : null;
    const state = await this.readBase(client, user.dn, OBJECT_PRESENT, [...STATE_ATTRS, ...versionAttrs]);
    if (!state) throw new UserNotFoundError();
    return { user, state, privilege, repl: state[REPL_ATTR] };
  }

  /** A base-scope read; undefined when the filter does not match or the object does not exist. */
  private async readBase(client: Client, base: string, filter: Filter, attributes: string[]): Promise<Entry | undefined> {
    try {
      const { searchEntries } = await client.search(base, { scope: 'base', filter, attributes, explicitBufferAttributes: ['objectSid', 'objectGUID', REPL_ATTR] });
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

  private async privilegeOf(client: Client, user: UserEntry): Promise<PrivilegeFinding> {
    return detectPrivilege(client, user, await this.groupsOf(client));
  }

  private async groupsOf(client: Client): Promise<ProtectedGroups> {
    const nowMs = this.now().getTime();
    if (this.groups && nowMs - this.groups.at < this.cacheMs) return this.groups.value;
    const value = await resolveProtectedGroups(client, this.config.baseDn, this.config.protectedGroups);
    if (value.missing.length) this.log?.info({ missing: value.missing }, 'configured protected groups not present in this domain');
    this.groups = { value, at: nowMs };
    return value;
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
