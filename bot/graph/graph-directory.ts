// The bot's view of Microsoft Entra ID through Microsoft Graph: plain typed
// values in and out, no SDK type crosses this line. Every failure is a
// ResetDeskError with a GRAPH_* code (see graph-errors.ts).
//
// Application permissions this needs (least privilege, admin-consented):
//   User.Read.All                      getUser, getUserByUpn, getManager
//   UserAuthenticationMethod.Read.All  getAuthenticationMethods
//   GroupMember.Read.All               isMemberOfGroup
//   Mail.Send                          sendMail (restrict it to the sender
//                                      mailbox with an Exchange application
//                                      access policy / RBAC for Applications)
//   User.RevokeSessions.All            revokeSignInSessions
import { setTimeout as sleepFor } from 'node:timers/promises';
import { z } from 'zod';
import { isResetDeskError } from '../errors';
import { createLogger, type Logger } from '../log';
import { createHttpTransport } from '../integrations/http-transport';
import { resolveGraphConfig, type GraphDirectoryConfig } from './graph-config';
import { createGraphCall } from './graph-call';
import { GraphErrorCode, graphError } from './graph-errors';
import { createGraphTokenSource } from './graph-token-source';

export type { GraphDirectoryConfig } from './graph-config';

export interface DirectoryUser {
  id: string;
  displayName: string | null;
  userPrincipalName: string;
  mail: string | null;
  /** true for users synced from on-premises AD; null or false for cloud-only users. */
  onPremisesSyncEnabled: boolean | null;
  /** The AD objectSid (S-1-5-21-...), which the writeback agent looks users up by. */
  onPremisesSecurityIdentifier: string | null;
  onPremisesSamAccountName: string | null;
  onPremisesDomainName: string | null;
  onPremisesUserPrincipalName: string | null;
  accountEnabled: boolean | null;
}

export interface DirectoryManager {
  id: string;
  displayName: string | null;
  mail: string | null;
}

export type PhoneType = 'mobile' | 'alternateMobile' | 'office';

export interface RegisteredPhone {
  /** As registered, e.g. `+1 4255550142` or `+1 4255550100x123`. */
  number: string;
  /** The same number in E.164 (`+14255550142`), or null when it has an extension or is not a full international number. */
  e164: string | null;
  type: PhoneType;
}

export interface AuthenticationMethods {
  /** Alternate e-mail addresses registered for verification. */
  emails: string[];
  phones: RegisteredPhone[];
}

export interface MailBody {
  contentType: 'text' | 'html';
  content: string;
}

export interface FoundUser extends DirectoryUser {
  jobTitle?: string | null;
  department?: string | null;
}

export interface GraphDirectory {
  getUser(aadObjectId: string): Promise<DirectoryUser>;
  getUserByUpn(userPrincipalName: string): Promise<DirectoryUser>;
  /** People whose name, given name, surname, mail or sign-in name starts with `text` (at most `top`), for the helpdesk. */
  searchUsers(text: string, top?: number): Promise<FoundUser[]>;
  /** null when the user has no manager. */
  getManager(aadObjectId: string): Promise<DirectoryManager | null>;
  getAuthenticationMethods(aadObjectId: string): Promise<AuthenticationMethods>;
  /** Transitive: membership through nested groups counts. */
  isMemberOfGroup(aadObjectId: string, groupId: string): Promise<boolean>;
  /** Sent from `fromMailbox` (UPN or object id); not kept in its Sent Items, as mails may carry one-time codes. */
  sendMail(fromMailbox: string, to: string | string[], subject: string, body: MailBody): Promise<void>;
  /** Invalidates the user's refresh tokens and session cookies, so other devices must sign in again. */
  revokeSignInSessions(aadObjectId: string): Promise<void>;
  /** For readiness: succeeds when a token for Graph can be had. */
  ping(): Promise<void>;
  /** Closes idle connections. */
  close(): void;
}

export interface GraphDirectoryDeps {
  logger?: Logger;
  /** Waits between throttling retries. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const USER_PROPERTIES = [
  'id',
  'displayName',
  'userPrincipalName',
  'mail',
  'onPremisesSyncEnabled',
  'onPremisesSecurityIdentifier',
  'onPremisesSamAccountName',
  'onPremisesDomainName',
  'onPremisesUserPrincipalName',
  'accountEnabled',
] as const;

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
// Guest UPNs carry '#EXT#'; path separators and whitespace never belong in one.
const upn = z.string().max(320).regex(/^[^\s/\\?@]{1,113}@[A-Za-z0-9.-]{1,255}$/);
const mailbox = z.union([guid, upn]);
const address = z.email().max(320);

const nullableString = z.string().nullish().transform((v) => v ?? null);
const nullableBoolean = z.boolean().nullish().transform((v) => v ?? null);

const userSchema = z.object({
  id: z.string().min(1),
  displayName: nullableString,
  userPrincipalName: z.string().min(1),
  mail: nullableString,
  onPremisesSyncEnabled: nullableBoolean,
  onPremisesSecurityIdentifier: nullableString,
  onPremisesSamAccountName: nullableString,
  onPremisesDomainName: nullableString,
  onPremisesUserPrincipalName: nullableString,
  accountEnabled: nullableBoolean,
});
const searchText = z.string().trim().min(2).max(120).regex(/^[^\p{Cc}]+$/u);
const searchResultSchema = z.object({
  value: z.array(userSchema.extend({ jobTitle: nullableString.optional(), department: nullableString.optional() })).max(999),
});
const managerSchema = z.object({ id: z.string().min(1), displayName: nullableString, mail: nullableString });
const emailMethodsSchema = z.object({ value: z.array(z.object({ emailAddress: z.string() })) });
const phoneMethodsSchema = z.object({
  value: z.array(z.object({ phoneNumber: z.string(), phoneType: z.enum(['mobile', 'alternateMobile', 'office']) })),
});
const checkMemberGroupsSchema = z.object({ value: z.array(z.string()) });

export function createGraphDirectory(config: GraphDirectoryConfig, deps: GraphDirectoryDeps = {}): GraphDirectory {
  const resolved = resolveGraphConfig(config);
  const logger = (deps.logger ?? createLogger({ name: 'resetdesk' })).child({ component: 'graph' });
  const transport = createHttpTransport(resolved.ca ? { ca: resolved.ca } : {});
  const tokens = createGraphTokenSource(resolved, transport, logger);
  const call = createGraphCall(resolved, tokens, transport, {
    logger,
    sleep: deps.sleep ?? ((ms) => sleepFor(ms)),
    now: deps.now ?? Date.now,
  });

  function parse<T>(schema: z.ZodType<T>, value: unknown, operation: string): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw graphError(GraphErrorCode.BAD_RESPONSE, { operation });
    return parsed.data;
  }

  function input<T>(schema: z.ZodType<T>, value: unknown, operation: string): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw graphError(GraphErrorCode.INVALID_INPUT, { operation });
    return parsed.data;
  }

  const userPath = (key: string) => `/users/${encodeURIComponent(key)}`;

  async function fetchUser(key: string, operation: string): Promise<DirectoryUser> {
    const raw = await call(operation, 'user', (api) => api(userPath(key)).select([...USER_PROPERTIES]).get());
    return parse(userSchema, raw, operation);
  }

  return {
    getUser: async (aadObjectId) => fetchUser(input(guid, aadObjectId, 'getUser'), 'getUser'),

    getUserByUpn: async (userPrincipalName) => fetchUser(input(upn, userPrincipalName, 'getUserByUpn'), 'getUserByUpn'),

    async searchUsers(text, top = 8) {
      const q = input(searchText, text, 'searchUsers');
      // OData quotes a single quote by doubling it; nothing else in the text is special inside a string literal.
      const literal = `'${q.replace(/'/g, "''")}'`;
      const filter = ['displayName', 'givenName', 'surname', 'mail', 'userPrincipalName'].map((p) => `startswith(${p},${literal})`).join(' or ');
      const raw = await call('searchUsers', 'user', (api) => api('/users').filter(filter).select([...USER_PROPERTIES, 'jobTitle', 'department']).top(top).get());
      return parse(searchResultSchema, raw, 'searchUsers').value;
    },

    async getManager(aadObjectId) {
      const id = input(guid, aadObjectId, 'getManager');
      try {
        const raw = await call('getManager', 'user', (api) => api(`${userPath(id)}/manager`).select(['id', 'displayName', 'mail']).get());
        return parse(managerSchema, raw, 'getManager');
      } catch (err) {
        if (!isResetDeskError(err, GraphErrorCode.USER_NOT_FOUND)) throw err;
      }
      // Graph answers 404 both for "no such user" and "no manager": only a
      // user who exists has no manager.
      await fetchUser(id, 'getManager');
      return null;
    },

    async getAuthenticationMethods(aadObjectId) {
      const id = input(guid, aadObjectId, 'getAuthenticationMethods');
      const [emailsRaw, phonesRaw] = await Promise.all([
        call('getAuthenticationMethods', 'user', (api) => api(`${userPath(id)}/authentication/emailMethods`).get()),
        call('getAuthenticationMethods', 'user', (api) => api(`${userPath(id)}/authentication/phoneMethods`).get()),
      ]);
      const emails = parse(emailMethodsSchema, emailsRaw, 'getAuthenticationMethods').value.map((m) => m.emailAddress);
      const phones = parse(phoneMethodsSchema, phonesRaw, 'getAuthenticationMethods').value.map((p) => ({
        number: p.phoneNumber,
        e164: toE164(p.phoneNumber),
        type: p.phoneType,
      }));
      return { emails, phones };
    },

    async isMemberOfGroup(aadObjectId, groupId) {
      const id = input(guid, aadObjectId, 'isMemberOfGroup');
      const group = input(guid, groupId, 'isMemberOfGroup');
      const raw = await call('isMemberOfGroup', 'user', (api) => api(`${userPath(id)}/checkMemberGroups`).post({ groupIds: [group] }));
      return parse(checkMemberGroupsSchema, raw, 'isMemberOfGroup').value.some((g) => g.toLowerCase() === group.toLowerCase());
    },

    async sendMail(fromMailbox, to, subject, body) {
      const from = input(mailbox, fromMailbox, 'sendMail');
      const recipients = input(z.array(address).min(1).max(50), Array.isArray(to) ? to : [to], 'sendMail');
      const validSubject = input(z.string().min(1).max(255), subject, 'sendMail');
      const validBody = input(
        z.object({ contentType: z.enum(['text', 'html']), content: z.string().min(1).max(1_000_000) }),
        body,
        'sendMail',
      );
      await call('sendMail', 'mailbox', (api) =>
        api(`${userPath(from)}/sendMail`).post({
          message: {
            subject: validSubject,
            body: { contentType: validBody.contentType === 'html' ? 'HTML' : 'Text', content: validBody.content },
            toRecipients: recipients.map((a) => ({ emailAddress: { address: a } })),
          },
          saveToSentItems: false,
        }),
      );
    },

    async revokeSignInSessions(aadObjectId) {
      const id = input(guid, aadObjectId, 'revokeSignInSessions');
      await call('revokeSignInSessions', 'user', (api) => api(`${userPath(id)}/revokeSignInSessions`).post({}));
    },

    async ping() {
      await tokens.getToken();
    },

    close() {
      transport.close();
    },
  };
}

/** `+1 4255550142` → `+14255550142`; null for extensions or anything not fully international. */
export function toE164(registered: string): string | null {
  if (/x/i.test(registered)) return null;
  if (!/^\+[\d\s().-]+$/.test(registered)) return null;
  const digits = registered.replace(/\D/g, '');
  return /^[1-9]\d{7,14}$/.test(digits) ? `+${digits}` : null;
}
