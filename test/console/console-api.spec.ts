// The console's API over real HTTP, as the tab calls it: who may call what,
// which tokens are refused, and what the answers never contain.
import { randomBytes } from 'node:crypto';
import { CONSOLE_API } from '../../bot/console/console-api';
import { VIEW_ROLES } from '../../bot/console/roles';
import type { Store } from '../../bot/store';
import { dumpAllTables } from '../../bot/store/testing';
import { fakeUser, type FakeGraphUser } from '../support/fake-graph';
import { CONSOLE_APP_ID, GROUPS, VIEWS_OF, startConsoleWorld, type ConsoleWorld, type Role } from './console-world';

jest.setTimeout(120_000);

const OTHER_TENANT = '0b1d2e3f-0000-4000-8000-00000000abcd';

// A GET per view that answers without input (POST routes are covered by their own tests).
const PROBES: Record<string, string> = {
  helpdesk: 'helpdesk/people?query=ali',
  approvals: 'approvals',
  requests: 'requests',
  agents: 'agents',
  audit: 'audit',
  counts: `counts?since=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}&until=${encodeURIComponent(new Date().toISOString())}&offset=0`,
};

describe('the console API', () => {
  let world: ConsoleWorld;
  let store: Store;

  beforeAll(async () => {
    // Reveal-once: the helpdesk's one-time look at a temporary password is part of the API.
    world = await startConsoleWorld({ engine: 'pglite', env: { RESETDESK_HELPDESK_TEMPORARY_PASSWORD: 'reveal-once' } });
    store = world.bot.app.store;
  });
  afterAll(async () => {
    await world?.close();
  });

  it('every route is behind a view of the role table, except who-am-I', () => {
    for (const route of CONSOLE_API) {
      if (route.path === 'me') expect(route.view).toBeNull();
      else expect(Object.keys(VIEW_ROLES)).toContain(route.view);
    }
  });

  it('each role reaches the views of its role and gets 403 and no data from every other', async () => {
    const expected: Record<Role, string[]> = VIEWS_OF;
    for (const role of Object.keys(expected) as Role[]) {
      const me = await world.api('me', { person: world.people[role] });
      expect({ role, status: me.status, views: me.body.views }).toEqual({ role, status: 200, views: expected[role] });
      for (const [view, probe] of Object.entries(PROBES)) {
        const answer = await world.api(probe, { person: world.people[role] });
        const allowed = expected[role].includes(view);
        const wanted = allowed ? 200 : 403;
        expect({ role, view, status: answer.status }).toEqual({ role, view, status: wanted });
        if (!allowed) expect(answer.body).toEqual({ code: 'CONSOLE_FORBIDDEN', message: expect.any(String) });
      }
    }
  });

  it('roles are asked of Graph on every call: someone removed from the admin group is refused on the next call', async () => {
    const admin = world.people.admin;
    expect((await world.api('agents', { person: admin })).status).toBe(200);
    world.bot.graph.addGroup({ id: GROUPS.admins, members: [] });
    try {
      expect((await world.api('agents', { person: admin })).status).toBe(403);
    } finally {
      world.bot.graph.addGroup({ id: GROUPS.admins, members: [admin.id] });
    }
    expect((await world.api('agents', { person: admin })).status).toBe(200);
  });

  it('refuses with 401 and no data: no token, another tenant, another audience, expired, a bad signature, no console scope, a client other than Teams', async () => {
    const oid = world.people.admin.id;
    const spoiled: Record<string, string | null> = {
      'no token': null,
      'another tenant': await world.issuer.mint({ oid, claims: { tid: OTHER_TENANT } }),
      'another tenant\'s issuer': await world.issuer.mint({ oid, claims: { tid: OTHER_TENANT, iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` } }),
      'another audience': await world.issuer.mint({ oid, claims: { aud: 'https://graph.microsoft.com' } }),
      'another host': await world.issuer.mint({ oid, claims: { aud: `api://evil.example/${CONSOLE_APP_ID}` } }),
      expired: await world.issuer.mint({ oid, expiresIn: -600 }),
      'a bad signature': await world.issuer.mint({ oid, untrustedKey: true }),
      'no console scope': await world.issuer.mint({ oid, claims: { scp: 'User.Read' } }),
      'a client other than Teams': await world.issuer.mint({ oid, claims: { azp: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' } }),
    };
    for (const [what, token] of Object.entries(spoiled)) {
      for (const path of ['me', 'audit', 'agents']) {
        const answer = await world.api(path, { token });
        expect({ what, path, status: answer.status }).toEqual({ what, path, status: 401 });
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(Object.keys(answer.body)).toEqual(['code', 'message']);
        expect(answer.body.code).toMatch(/^CONSOLE_TOKEN_/);
      }
    }
    const tampered = (await world.token(world.people.nobody)).split('.');
    const payload = JSON.parse(Buffer.from(tampered[1]!, 'base64url').toString()) as Record<string, unknown>;
    payload.oid = world.people.admin.id;
    tampered[1] = Buffer.from(JSON.stringify(payload)).toString('base64url');
    expect((await world.api('audit', { token: tampered.join('.') })).status).toBe(401);
  });

  it('answers are never cached or framed, and the page itself may be framed only by Teams\' hosts and the configured stand-in', async () => {
    const api = await world.api('me', { person: world.people.admin });
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const page = await fetch(`${world.bot.url}/console`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toContain(`frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft`);
    expect(csp).toContain(world.host.origin);
    expect(page.headers.get('x-frame-options')).toBeNull();
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${world.bot.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${world.bot.url}/console/assets/..%2Fconfig.js`)).status).toBe(404);
  });

  it('an enrollment code is answered once, to a POST, and only its hash is stored; no other answer contains it', async () => {
    const issued = await world.api('enrollment-codes', { person: world.people.admin, method: 'POST', body: {} });
    expect(issued.status).toBe(201);
    const code = issued.body.code as string;
    expect(code.length).toBeGreaterThanOrEqual(16);
    const answers = await Promise.all(['agents', 'audit', 'requests'].map((p) => world.api(p, { person: world.people.admin })));
    for (const a of answers) expect(a.text).not.toContain(code);
    expect(await dumpAllTables(store)).not.toContain(code);
    expect((await world.api('enrollment-codes', { person: world.people.helpdesk, method: 'POST', body: {} })).status).toBe(403);
    await store.consumeEnrollmentCode(code);
    await expect(store.consumeEnrollmentCode(code)).rejects.toMatchObject({ code: 'ENROLL_CODE_USED' });
  });

  it('an admin confirms and revokes agents through the same rules as the CLI, and each act is audited with who did it', async () => {
    const audit = { actor: { kind: 'agent' as const }, action: 'agent.enrolled' };
    const jwk = () => ({ kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') });
    const agent = await store.registerAgent({ name: `dc-${randomBytes(3).toString('hex')}`, signingJwk: jwk(), encryptionJwk: { kty: 'EC', crv: 'P-256', x: 'eA', y: 'eQ' }, managedOus: ['OU=Staff,DC=contoso,DC=test'] }, audit);
    const listed = (await world.api('agents', { person: world.people.admin })).body.agents.find((a: { id: string }) => a.id === agent.id);
    expect(listed).toMatchObject({ status: 'waiting for confirmation', jobsLastHour: 0, failuresLastHour: 0, domainControllers: null, keyThumbprint: expect.any(String) });
    expect((await world.api(`agents/${agent.id}/confirm`, { person: world.people.approver, method: 'POST' })).status).toBe(403);
    const confirmed = await world.api(`agents/${agent.id}/confirm`, { person: world.people.admin, method: 'POST' });
    expect(confirmed.body).toMatchObject({ id: agent.id, confirmedBy: world.people.admin.id });
    expect((await world.api(`agents/${agent.id}/revoke`, { person: world.people.admin, method: 'POST' })).body).toMatchObject({ status: 'revoked' });
    expect((await world.api(`agents/${agent.id}/confirm`, { person: world.people.admin, method: 'POST' })).body.code).toBe('ADMIN_AGENT_REVOKED');
    const acts = (await store.searchAudit({ action: 'agent', actorId: world.people.admin.id })).map((e) => e.action);
    expect(acts).toEqual(expect.arrayContaining(['agent.confirmed', 'agent.revoked']));
  });

  it('the audit export is a file of the filtered entries, and exporting is itself audited', async () => {
    const jsonl = await world.api('audit/export?format=jsonl&action=agent', { person: world.people.admin });
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-disposition')).toMatch(/^attachment; filename="resetdesk-audit-.*\.jsonl"$/);
    const lines = jsonl.text.trim().split('\n').map((l) => JSON.parse(l) as { action: string; seq: number });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.action.startsWith('agent.'))).toBe(true);
    expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((a, b) => a - b));
    const csv = await world.api('audit/export?format=csv', { person: world.people.admin });
    expect(csv.text.split('\r\n')[0]).toBe('seq,at,actor_kind,actor_id,action,request_id,details,prev_hash,hash');
    expect((await store.searchAudit({ action: 'console.audit_exported', limit: 5 })).map((e) => e.details.format)).toEqual(['csv', 'jsonl']);
  });

  it('a request\'s detail never carries its step token hash, card location or sealed job', async () => {
    const request = await store.createRequest(
      {
        tenantId: world.bot.graph.tenantId, ownerAadId: world.people.nobody.id, kind: 'reset', state: 'verifying', methodsRequired: 1,
        subject: { onPremisesSid: 'S-1-5-21-1-2-3-4444', samAccountName: 'alice', upn: 'alice@contoso.test', displayName: 'Alice Andersen', domain: 'CONTOSO' },
        stepToken: `secret-step-token-${randomBytes(8).toString('hex')}`, step: 'enter_code', conversationId: 'a:conversation-secret', cardActivityId: 'activity-secret',
        expiresAt: new Date(Date.now() + 3600_000),
      },
      { actor: { kind: 'user', id: world.people.nobody.id }, action: 'request.created' },
    );
    const detail = await world.api(`requests/${request.id}`, { person: world.people.admin });
    expect(detail.status).toBe(200);
    expect(detail.body.request).toMatchObject({ id: request.id, state: 'verifying', account: { samAccountName: 'alice' } });
    expect(detail.text).not.toContain(request.stepTokenHash!);
    expect(detail.text).not.toMatch(/conversation-secret|activity-secret|signedJob|stepToken/);
    expect(detail.body.timeline.map((e: { action: string }) => e.action)).toEqual(['request.created']);
    const listed = await world.api(`requests?person=alice&state=verifying`, { person: world.people.helpdesk });
    expect(listed.body.requests.map((r: { id: string }) => r.id)).toContain(request.id);
    expect(listed.text).not.toContain(request.stepTokenHash!);
    expect((await world.api(`requests?state=nonsense`, { person: world.people.admin })).status).toBe(400);
  });

  describe('the helpdesk\'s requests', () => {
    let caller: FakeGraphUser;
    const TOKEN = `stale-token-${'x'.repeat(24)}`;

    /** A helpdesk request for `caller` as startAssistedRequest leaves it (the agent's inspect is not part of this world). */
    async function helpdeskRequest(state: 'started' | 'succeeded', kind: 'unlock' | 'reset') {
      return store.createRequest(
        {
          tenantId: world.bot.graph.tenantId, ownerAadId: caller.id, requestedBy: world.people.helpdesk.id, ticket: 'INC-7001', kind, state, methodsRequired: 1,
          subject: { onPremisesSid: caller.onPremisesSecurityIdentifier!, samAccountName: caller.onPremisesSamAccountName!, upn: caller.userPrincipalName, displayName: caller.displayName, domain: 'CONTOSO' },
          ...(state === 'started' ? { stepToken: TOKEN, step: 'choose_method' as const } : {}),
          expiresAt: new Date(Date.now() + 3600_000),
        },
        { actor: { kind: 'helpdesk', id: world.people.helpdesk.id }, action: 'request.created' },
      );
    }

    const check = (requestId: string, body: unknown, person = world.people.helpdesk) => world.api(`helpdesk/requests/${requestId}/check`, { person, method: 'POST', body });

    function lastCodeMailedTo(address: string): string {
      const mail = [...world.bot.graph.state.sentMails].reverse().find((m) => m.to.includes(address));
      return /\b(\d{6,8})\b/.exec(mail?.content ?? '')![1]!;
    }

    beforeAll(() => {
      caller = fakeUser({ displayName: 'Carl Caller', emailMethods: ['carl.home@example.org'] });
      world.bot.graph.addUser(caller);
    });

    it('refuses anyone without the helpdesk role with 403 and no data, and a member acting on their own account', async () => {
      const request = await helpdeskRequest('started', 'unlock');
      const calls: Array<[string, 'GET' | 'POST', unknown]> = [
        [`helpdesk/people/${caller.id}`, 'GET', undefined],
        ['helpdesk/requests', 'POST', { personId: caller.id, ticket: 'INC-1', kind: 'unlock' }],
        [`helpdesk/requests/${request.id}`, 'GET', undefined],
        [`helpdesk/requests/${request.id}/check`, 'POST', { do: 'choose_method', stepToken: TOKEN, method: 'email' }],
        [`helpdesk/requests/${request.id}/reveal`, 'POST', {}],
      ];
      for (const role of ['approver', 'admin', 'nobody'] as const) {
        for (const [path, method, body] of calls) {
          const answer = await world.api(path, { person: world.people[role], method, body });
          expect({ role, path, status: answer.status, body: answer.body }).toEqual({ role, path, status: 403, body: { code: 'CONSOLE_FORBIDDEN', message: expect.any(String) } });
        }
      }
      const self = world.people.helpdesk.id;
      expect(await world.api(`helpdesk/people/${self}`, { person: world.people.helpdesk })).toMatchObject({ status: 403, body: { code: 'HELPDESK_SELF' } });
      expect(await world.api('helpdesk/requests', { person: world.people.helpdesk, method: 'POST', body: { personId: self, ticket: 'INC-2', kind: 'reset' } })).toMatchObject({ status: 403, body: { code: 'HELPDESK_SELF' } });
      // Nothing moved: the request still takes its first token.
      expect((await store.getRequest(request.id))!.version).toBe(request.version);
    });

    it('refuses a body it does not understand with 400, naming the field and not echoing the value, and starts nothing', async () => {
      const request = await helpdeskRequest('started', 'unlock');
      const before = (await store.listRequests({ tenantId: world.bot.graph.tenantId, person: caller.id, limit: 200 })).length;
      const bad: Array<[string, unknown, RegExp]> = [
        ['helpdesk/requests', { personId: caller.id, ticket: '  ', kind: 'unlock' }, /ticket: give the ticket number/],
        ['helpdesk/requests', { personId: caller.id, ticket: 'INC-1', kind: 'erase-everything' }, /kind: unlock or reset/],
        ['helpdesk/requests', { personId: 'not-a-uuid-secret', ticket: 'INC-1', kind: 'unlock' }, /personId/],
        // The delivery of a temporary password is the service's setting, no longer the member's choice.
        ['helpdesk/requests', { personId: caller.id, ticket: 'INC-1', kind: 'reset', temporaryPassword: 'reveal' }, /temporaryPassword/],
        [`helpdesk/requests/${request.id}/check`, { do: 'submit_code', stepToken: TOKEN, code: '12ab56' }, /code: the code has 6 to 8 digits/],
        [`helpdesk/requests/${request.id}/check`, { do: 'choose_method', stepToken: 'short', method: 'email' }, /stepToken: not a step token/],
        [`helpdesk/requests/${request.id}/check`, { do: 'choose_method', stepToken: TOKEN, method: '../email' }, /method: must be one of the methods offered/],
        [`helpdesk/requests/${request.id}/check`, { do: 'guess', stepToken: TOKEN }, /do: choose_method, submit_code or resend_code/],
        [`helpdesk/requests/${request.id}/check`, { do: 'resend_code', stepToken: TOKEN, code: '123456' }, /code/],
        ['helpdesk/requests/not-a-request/check', { do: 'resend_code', stepToken: TOKEN }, /\(input\)/],
      ];
      for (const [path, body, named] of bad) {
        const answer = await world.api(path, { person: world.people.helpdesk, method: 'POST', body });
        expect({ path, body, status: answer.status, code: answer.body.code }).toEqual({ path, body, status: 400, code: 'CONSOLE_INVALID_INPUT' });
        expect(answer.body.message).toMatch(named);
        expect(answer.text).not.toMatch(/erase-everything|not-a-uuid-secret|12ab56|\.\.\/email/);
      }
      expect(await store.listRequests({ tenantId: world.bot.graph.tenantId, person: caller.id, limit: 200 })).toHaveLength(before);
      expect((await store.getRequest(request.id))!.version).toBe(request.version);
    });

    it('takes only the latest step token: an older one is a 409 that changes nothing, and a wrong code says how many tries are left', async () => {
      const request = await helpdeskRequest('started', 'unlock');
      // Picked up again (as after a reload), the step comes back with a fresh token, which retires the first.
      const resumed = await world.api(`helpdesk/requests/${request.id}`, { person: world.people.helpdesk });
      expect(resumed.status).toBe(200);
      expect(resumed.body).toMatchObject({ requestId: request.id, kind: 'unlock', state: 'started', temporaryPassword: null, revealAvailable: false });
      expect(resumed.body.next).toEqual({ step: 'choose_method', stepToken: expect.any(String), methods: expect.arrayContaining([{ id: 'email', label: expect.stringMatching(/^E-mail a code to their c•+@example\.org; the caller reads it to you$/) }]), progress: null });
      const fresh = resumed.body.next.stepToken as string;
      expect(fresh).not.toBe(TOKEN);
      expect(await check(request.id, { do: 'choose_method', stepToken: TOKEN, method: 'email' })).toMatchObject({ status: 409, body: { code: 'STEP_OVER' } });
      expect(world.bot.graph.state.sentMails.filter((m) => m.to.includes('carl.home@example.org'))).toHaveLength(0);

      const sent = await check(request.id, { do: 'choose_method', stepToken: fresh, method: 'email' });
      expect(sent.status).toBe(200);
      expect(sent.body.next).toEqual({ step: 'enter_code', stepToken: expect.any(String), sentTo: expect.stringMatching(/^c•+@example\.org$/), codeLength: 6, notice: null, progress: null });
      const code = lastCodeMailedTo('carl.home@example.org');
      // The token of the answer before is spent, right code or not.
      expect(await check(request.id, { do: 'submit_code', stepToken: fresh, code })).toMatchObject({ status: 409, body: { code: 'STEP_OVER' } });
      const wrong = code === '000000' ? '111111' : '000000';
      const answered = await check(request.id, { do: 'submit_code', stepToken: sent.body.next.stepToken, code: wrong });
      expect(answered.status).toBe(200);
      expect(answered.body).toMatchObject({ state: 'verifying', next: { step: 'enter_code', notice: expect.stringMatching(/^That code is not right\. \d+ tr(y|ies) left\.$/) } });
      expect(answered.text).not.toContain(code);
      // Someone else's request is not there at all for another helpdesk member.
      const colleague = fakeUser({ displayName: 'Hugo Helper' });
      world.bot.graph.addUser(colleague);
      world.bot.graph.addGroup({ id: GROUPS.helpdesk, members: [world.people.helpdesk.id, colleague.id] });
      try {
        expect(await world.api(`helpdesk/requests/${request.id}`, { person: colleague })).toMatchObject({ status: 404, body: { code: 'STORE_NOT_FOUND' } });
        expect(await check(request.id, { do: 'submit_code', stepToken: answered.body.next.stepToken, code }, colleague)).toMatchObject({ status: 403, body: { code: 'REQUEST_NOT_YOURS' } });
      } finally {
        world.bot.graph.addGroup({ id: GROUPS.helpdesk, members: [world.people.helpdesk.id] });
      }
    });

    it('a temporary password is revealed once: the second reveal is 410 and carries no password', async () => {
      const created = await helpdeskRequest('succeeded', 'reset');
      const password = `Tmp-${randomBytes(9).toString('base64url')}`;
      await store.transitionFrom(created, { sealedDelivery: await world.bot.app.journey.deliverySeal.seal(password) }, { actor: { kind: 'system', id: 'test' }, action: 'request.sealed_for_test', requestId: created.id });
      const before = await world.api(`helpdesk/requests/${created.id}`, { person: world.people.helpdesk });
      expect(before.body).toMatchObject({ state: 'succeeded', kind: 'reset', next: null, temporaryPassword: 'reveal-once', revealAvailable: true });
      expect(before.text).not.toContain(password);

      const first = await world.api(`helpdesk/requests/${created.id}/reveal`, { person: world.people.helpdesk, method: 'POST' });
      expect(first).toMatchObject({ status: 200, body: { temporaryPassword: password } });
      const second = await world.api(`helpdesk/requests/${created.id}/reveal`, { person: world.people.helpdesk, method: 'POST' });
      expect(second).toMatchObject({ status: 410, body: { code: 'HELPDESK_REVEAL_USED', message: expect.stringMatching(/shown once already/) } });
      expect(second.text).not.toContain(password);
      expect((await world.api(`helpdesk/requests/${created.id}`, { person: world.people.helpdesk })).body.revealAvailable).toBe(false);
      expect(await dumpAllTables(store)).not.toContain(password);
      expect(world.bot.logs()).not.toContain(password);
    });
  });
});
