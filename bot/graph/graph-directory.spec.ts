import { randomUUID } from 'node:crypto';
import { isResetDeskError } from '../errors';
import { capturedLogger, failureOf } from '../../test/support/failures';
import { fakeUser, startFakeGraph, type FakeGraph } from '../../test/support/fake-graph';
import { createGraphDirectory, toE164, type GraphDirectory, type GraphDirectoryConfig } from './graph-directory';

const manager = fakeUser({ displayName: 'Grace Hopper', onPremisesSamAccountName: 'ghopper', mail: 'grace@contoso.example' });
const ada = fakeUser({
  displayName: 'Ada Lovelace',
  onPremisesSamAccountName: 'alovelace',
  userPrincipalName: 'ada@contoso.example',
  managerId: manager.id,
  emailMethods: ['ada.private@example.org'],
  phoneMethods: [
    { number: '+44 7700900142', type: 'mobile' },
    { number: '+1 4255550100x123', type: 'office' },
  ],
});
const cloudOnly = fakeUser({
  displayName: 'Cloud Carol',
  userPrincipalName: 'carol@contoso.onmicrosoft.com',
  onPremisesSyncEnabled: null,
  onPremisesSecurityIdentifier: null,
  onPremisesSamAccountName: null,
  onPremisesDomainName: null,
  onPremisesUserPrincipalName: null,
});
const guest = fakeUser({ displayName: 'Guest Gus', userPrincipalName: 'gus_fabrikam.example#EXT#@contoso.onmicrosoft.com', onPremisesSyncEnabled: null });
const mailer = fakeUser({ displayName: 'ResetDesk', userPrincipalName: 'resetdesk@contoso.example' });
const approvers = randomUUID();
const approverLeads = randomUUID();
const helpdesk = randomUUID();

describe('Graph directory against a fake Microsoft Graph over HTTPS', () => {
  let graph: FakeGraph;
  let directory: GraphDirectory;
  let sleeps: number[];
  let logs: ReturnType<typeof capturedLogger>;
  const open: GraphDirectory[] = [];

  const make = (overrides: Partial<GraphDirectoryConfig> = {}) => {
    const d = createGraphDirectory(graph.directoryConfig(overrides), {
      logger: logs.logger,
      sleep: async (ms) => void sleeps.push(ms),
    });
    open.push(d);
    return d;
  };

  beforeAll(async () => {
    graph = await startFakeGraph({
      users: [ada, manager, cloudOnly, guest, mailer],
      groups: [
        { id: approvers, displayName: 'ResetDesk approvers', members: [approverLeads] },
        { id: approverLeads, displayName: 'Approver leads', members: [ada.id] },
        { id: helpdesk, displayName: 'Helpdesk', members: [manager.id] },
      ],
    });
  });

  beforeEach(() => {
    sleeps = [];
    logs = capturedLogger();
    graph.clearFaults();
    directory = make();
  });

  afterEach(() => {
    for (const d of open.splice(0)) d.close();
  });

  afterAll(async () => {
    await graph.close();
  });

  describe('what the bot reads and does', () => {
    it('looks up the person behind a Teams message, with the on-premises SID and account name the agent needs', async () => {
      const user = await directory.getUser(ada.id);
      expect(user).toEqual({
        id: ada.id,
        displayName: 'Ada Lovelace',
        userPrincipalName: 'ada@contoso.example',
        mail: ada.mail,
        onPremisesSyncEnabled: true,
        onPremisesSecurityIdentifier: ada.onPremisesSecurityIdentifier,
        onPremisesSamAccountName: 'alovelace',
        onPremisesDomainName: 'contoso.example',
        onPremisesUserPrincipalName: ada.onPremisesUserPrincipalName,
        accountEnabled: true,
      });
    });

    it('tells a cloud-only user apart from a synced one', async () => {
      const user = await directory.getUser(cloudOnly.id);
      expect(user.onPremisesSyncEnabled).toBeNull();
      expect(user.onPremisesSecurityIdentifier).toBeNull();
    });

    it('lets the helpdesk find a caller by user principal name, guests included', async () => {
      expect((await directory.getUserByUpn('ADA@contoso.example')).id).toBe(ada.id);
      expect((await directory.getUserByUpn(guest.userPrincipalName)).id).toBe(guest.id);
    });

    it("finds a user's manager, and says plainly when there is none", async () => {
      expect(await directory.getManager(ada.id)).toEqual({ id: manager.id, displayName: 'Grace Hopper', mail: 'grace@contoso.example' });
      expect(await directory.getManager(manager.id)).toBeNull();
      const err = await failureOf(directory.getManager(randomUUID()));
      expect(err.code).toBe('GRAPH_USER_NOT_FOUND');
    });

    it('lists the alternate e-mail and phones a user registered, with phones ready for SMS', async () => {
      expect(await directory.getAuthenticationMethods(ada.id)).toEqual({
        emails: ['ada.private@example.org'],
        phones: [
          { number: '+44 7700900142', e164: '+447700900142', type: 'mobile' },
          { number: '+1 4255550100x123', e164: null, type: 'office' },
        ],
      });
      expect(await directory.getAuthenticationMethods(cloudOnly.id)).toEqual({ emails: [], phones: [] });
    });

    it('counts membership through nested groups, as approver checks need', async () => {
      expect(await directory.isMemberOfGroup(ada.id, approvers)).toBe(true);
      expect(await directory.isMemberOfGroup(ada.id, helpdesk)).toBe(false);
      expect(await directory.isMemberOfGroup(manager.id, helpdesk)).toBe(true);
    });

    it('sends mail from the configured mailbox without keeping a copy in its Sent Items', async () => {
      await directory.sendMail(mailer.userPrincipalName, 'ada.private@example.org', 'Your ResetDesk code', {
        contentType: 'html',
        content: '<p>Your code is <b>482913</b></p>',
      });
      expect(graph.state.sentMails.at(-1)).toEqual({
        from: mailer.userPrincipalName,
        to: ['ada.private@example.org'],
        subject: 'Your ResetDesk code',
        contentType: 'HTML',
        content: '<p>Your code is <b>482913</b></p>',
        saveToSentItems: false,
      });
    });

    it("signs a user out of every cloud session after a reset", async () => {
      await directory.revokeSignInSessions(ada.id);
      expect(graph.state.revokedUsers).toContain(ada.id);
    });

    it('reports ready when it can get a token, and reuses that token for later calls', async () => {
      const before = graph.state.tokensIssued;
      await directory.ping();
      await directory.getUser(ada.id);
      await directory.getUser(manager.id);
      expect(graph.state.tokensIssued).toBe(before + 1);
    });

    it('refuses identifiers that are not ids or UPNs without calling Graph', async () => {
      const seen = graph.state.requests.length;
      for (const bad of ['../../me', 'ada@contoso.example/../x', '']) {
        expect((await failureOf(directory.getUser(bad))).code).toBe('GRAPH_INVALID_INPUT');
      }
      expect((await failureOf(directory.getUserByUpn('no spaces@contoso.example'))).code).toBe('GRAPH_INVALID_INPUT');
      expect((await failureOf(directory.isMemberOfGroup(ada.id, 'approvers'))).code).toBe('GRAPH_INVALID_INPUT');
      expect((await failureOf(directory.sendMail(mailer.userPrincipalName, 'not-an-address', 's', { contentType: 'text', content: 'x' }))).code).toBe(
        'GRAPH_INVALID_INPUT',
      );
      expect(graph.state.requests.length).toBe(seen);
    });
  });

  describe('when Microsoft 365 misbehaves', () => {
    it('waits as long as Retry-After asks when throttled, then succeeds', async () => {
      graph.inject('user', { status: 429, retryAfter: 2, times: 2 });
      const user = await directory.getUser(ada.id);
      expect(user.id).toBe(ada.id);
      expect(sleeps).toEqual([2000, 2000]);
    });

    it('gives up with "busy, try again in a minute" when throttling persists', async () => {
      graph.inject('user', { status: 429, retryAfter: 1, times: Infinity });
      const seen = graph.state.requests.filter((r) => r.route === 'user').length;
      const err = await failureOf(directory.getUser(ada.id));
      expect(err.code).toBe('GRAPH_THROTTLED');
      expect(err.message).toBe('Microsoft 365 is busy right now; try again in a minute.');
      expect(graph.state.requests.filter((r) => r.route === 'user').length - seen).toBe(3);
    });

    it('does not keep the user waiting when Graph asks for a long pause', async () => {
      graph.inject('user', { status: 429, retryAfter: 120 });
      const err = await failureOf(directory.getUser(ada.id));
      expect(err.code).toBe('GRAPH_THROTTLED');
      expect(sleeps).toEqual([]);
    });

    it('retries a brief 503 and fails at once on other server errors', async () => {
      graph.inject('manager', { status: 503, retryAfter: 1 });
      expect((await directory.getManager(ada.id))?.id).toBe(manager.id);

      graph.inject('user', { status: 500 });
      const err = await failureOf(directory.getUser(ada.id));
      expect(err.code).toBe('GRAPH_UNAVAILABLE');
      expect(err.details.status).toBe(500);
      expect(err.message).toMatch(/can't be reached right now/);
    });

    it('times out when Graph does not answer', async () => {
      const quick = make({ timeoutMs: 300 });
      await quick.ping();
      graph.inject('phoneMethods', { hang: true });
      const err = await failureOf(quick.getAuthenticationMethods(ada.id));
      expect(err.code).toBe('GRAPH_TIMEOUT');
      expect(err.message).toMatch(/taking too long/);
      // For the admin reading the log: which host, and what went wrong under HTTP.
      expect(err.details.reason).toMatch(/^[\w.-]+(:\d+)? did not answer within 300 ms$/);
    });

    it('times out when the token endpoint does not answer', async () => {
      graph.inject('token', { hang: true });
      const err = await failureOf(make({ timeoutMs: 300 }).ping());
      expect(err.code).toBe('GRAPH_TIMEOUT');
    });

    it('reports the token endpoint being down as Microsoft 365 unavailable', async () => {
      graph.inject('token', { status: 503 });
      const err = await failureOf(make().getUser(ada.id));
      expect(err.code).toBe('GRAPH_UNAVAILABLE');
    });

    it('says an unknown account was not found', async () => {
      const err = await failureOf(directory.getUser(randomUUID()));
      expect(err.code).toBe('GRAPH_USER_NOT_FOUND');
      expect((await failureOf(directory.getUserByUpn('nobody@contoso.example'))).code).toBe('GRAPH_USER_NOT_FOUND');
      expect((await failureOf(directory.revokeSignInSessions(randomUUID()))).code).toBe('GRAPH_USER_NOT_FOUND');
    });

    it('blames a missing sender mailbox on configuration, not on the user', async () => {
      const err = await failureOf(directory.sendMail('nobody@contoso.example', 'ada.private@example.org', 'Code', { contentType: 'text', content: '1' }));
      expect(err.code).toBe('GRAPH_MAILBOX_NOT_FOUND');
    });

    it('points the admin at permissions when Graph refuses the app', async () => {
      graph.inject('emailMethods', { status: 403 });
      const err = await failureOf(directory.getAuthenticationMethods(ada.id));
      expect(err.code).toBe('GRAPH_NOT_AUTHORISED');
      expect(err.message).toMatch(/administrator needs to check the app's Microsoft Graph permissions/);
    });

    it('refuses an answer that is not the user it asked for', async () => {
      graph.inject('user', { status: 200, body: JSON.stringify({ id: 42, displayName: 'not a user' }) });
      const err = await failureOf(directory.getUser(ada.id));
      expect(err.code).toBe('GRAPH_BAD_RESPONSE');
    });

    it('refuses a server whose certificate is not trusted', async () => {
      const err = await failureOf(make({ ca: undefined }).ping());
      expect(err.code).toBe('GRAPH_UNAVAILABLE');
      expect(logs.text()).toMatch(/SELF_SIGNED_CERT|self.signed/i);
    });
  });

  describe('the client secret stays secret', () => {
    it('a wrong secret is reported as a sign-in problem for the admin, without the secret', async () => {
      const canary = `CANARY-secret-${randomUUID()}`;
      const wrong = make({ clientSecret: canary });
      const err = await failureOf(wrong.getUser(ada.id));
      expect(err.code).toBe('GRAPH_TOKEN_FAILED');
      expect(err.details.aadsts).toBe('AADSTS7000215');
      expect(err.message).toMatch(/app registration/);
      const everything = [err.message, err.stack ?? '', JSON.stringify(err), JSON.stringify(err.details), logs.text()].join('\n');
      expect(everything).not.toContain(canary);
      // The secret did reach the token endpoint, so its absence above means something.
      expect(graph.state.requests.some((r) => r.route === 'token' && r.body.includes(encodeURIComponent(canary)))).toBe(true);
    });

    it('neither the secret, the access token nor a mailed code appear in logs, even at trace level', async () => {
      const canaryCode = '90417235';
      graph.inject('user', { status: 429, retryAfter: 1 });
      await directory.getUser(ada.id);
      await directory.sendMail(mailer.id, ['ada.private@example.org'], 'Code', { contentType: 'text', content: `Your code: ${canaryCode}` });
      graph.inject('sendMail', { status: 500 });
      const err = await failureOf(directory.sendMail(mailer.id, 'ada.private@example.org', 'Code', { contentType: 'text', content: `Your code: ${canaryCode}` }));
      const tokens = graph.state.requests.map((r) => r.headers.authorization).filter((a): a is string => typeof a === 'string');
      expect(tokens.length).toBeGreaterThan(0);
      const text = logs.text() + JSON.stringify(err) + err.message;
      expect(logs.text()).toMatch(/graph call/);
      expect(text).not.toContain(graph.clientSecret);
      expect(text).not.toContain(canaryCode);
      for (const t of tokens) expect(text).not.toContain(t.slice(7));
    });

    it('rejects bad configuration without echoing the secret', () => {
      const canary = `CANARY-${randomUUID()}`;
      let err: unknown;
      try {
        createGraphDirectory({ tenantId: 'contoso', clientId: graph.clientId, clientSecret: canary, baseUrl: 'http://graph.example' });
      } catch (e) {
        err = e;
      }
      expect(isResetDeskError(err, 'CONFIG_INVALID')).toBe(true);
      const message = (err as Error).message;
      expect(message).toMatch(/graph.tenantId: must be a GUID/);
      expect(message).toMatch(/graph.baseUrl: must be an https:\/\/ URL/);
      expect(message).not.toContain(canary);
    });
  });
});

describe('phone numbers from Graph', () => {
  it.each([
    ['+1 4255550142', '+14255550142'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+1 4255550100x123', null],
    ['4255550142', null],
    ['+1 42', null],
  ])('%s becomes %s', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });
});
