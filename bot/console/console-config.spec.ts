import { ConfigError, loadConfig } from '../config';

const TENANT = '11111111-2222-3333-4444-555555555555';
const APP = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const CONSOLE_APP = 'cccccccc-bbbb-cccc-dddd-eeeeeeeeeeee';
const production = {
  MicrosoftAppId: APP,
  MicrosoftAppPassword: 'app-secret',
  MicrosoftAppTenantId: TENANT,
  RESETDESK_CODE_PEPPER: 'p'.repeat(40),
};
const dev = { RESETDESK_DEV_MODE: 'true', RESETDESK_TENANT_ID: TENANT, GRAPH_CLIENT_ID: APP, GRAPH_CLIENT_SECRET: 'graph-secret' };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  return '';
}

describe('the console\'s configuration', () => {
  test('the console is off without RESETDESK_PUBLIC_HOST, and a console setting without it is a mistake', () => {
    expect(loadConfig(production).console).toBeUndefined();
    expect(problemsOf({ ...production, RESETDESK_CONSOLE_ROLE_CACHE_SECONDS: '10' })).toMatch(/RESETDESK_CONSOLE_ROLE_CACHE_SECONDS: the console is off without RESETDESK_PUBLIC_HOST/);
  });

  test('with the public host it is on, for the bot\'s app, with the tenant\'s published keys and both issuer forms', () => {
    expect(loadConfig({ ...production, RESETDESK_PUBLIC_HOST: 'ResetDesk.Contoso.com' }).console).toEqual({
      publicHost: 'resetdesk.contoso.com',
      appId: APP,
      jwksUrl: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      issuers: [`https://login.microsoftonline.com/${TENANT}/v2.0`, `https://sts.windows.net/${TENANT}/`],
      extraHostOrigins: [],
      roleCacheMs: 30_000,
      trialHostUrl: undefined,
    });
  });

  test('a national cloud\'s sign-in host gives its keys URL and issuer', () => {
    const c = loadConfig({ ...production, RESETDESK_PUBLIC_HOST: 'resetdesk.contoso.us', GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.us' }).console!;
    expect(c.jwksUrl).toBe(`https://login.microsoftonline.us/${TENANT}/discovery/v2.0/keys`);
    expect(c.issuers[0]).toBe(`https://login.microsoftonline.us/${TENANT}/v2.0`);
  });

  test('the public host is a DNS name, without scheme, port or path', () => {
    for (const bad of ['https://resetdesk.contoso.com', 'resetdesk.contoso.com:443', 'resetdesk.contoso.com/console', 'reset desk']) {
      expect(problemsOf({ ...production, RESETDESK_PUBLIC_HOST: bad })).toMatch(/RESETDESK_PUBLIC_HOST: must be a DNS name/);
    }
  });

  test('in dev mode (no bot app id) the console needs its own app id', () => {
    expect(problemsOf({ ...dev, RESETDESK_PUBLIC_HOST: 'resetdesk.test' })).toMatch(/RESETDESK_CONSOLE_APP_ID: required/);
    expect(loadConfig({ ...dev, RESETDESK_PUBLIC_HOST: 'resetdesk.test', RESETDESK_CONSOLE_APP_ID: CONSOLE_APP.toUpperCase() }).console?.appId).toBe(CONSOLE_APP);
  });

  test('keys, extra hosts and the trial link are https, except plain http to this machine in dev mode', () => {
    const local = { RESETDESK_CONSOLE_JWKS_URL: 'http://127.0.0.1:4000/keys', RESETDESK_CONSOLE_FRAME_ANCESTORS: 'http://127.0.0.1:5000 https://teams.microsoft.us', RESETDESK_CONSOLE_TRIAL_HOST_URL: 'http://localhost:5000/' };
    const c = loadConfig({ ...dev, RESETDESK_PUBLIC_HOST: 'resetdesk.test', RESETDESK_CONSOLE_APP_ID: CONSOLE_APP, ...local }).console!;
    expect(c.extraHostOrigins).toEqual(['http://127.0.0.1:5000', 'https://teams.microsoft.us']);
    expect(c.jwksUrl).toBe('http://127.0.0.1:4000/keys');
    const problems = problemsOf({ ...production, RESETDESK_PUBLIC_HOST: 'resetdesk.contoso.com', ...local });
    expect(problems).toMatch(/RESETDESK_CONSOLE_JWKS_URL: must be https/);
    expect(problems).toMatch(/RESETDESK_CONSOLE_FRAME_ANCESTORS: must be https/);
    expect(problems).toMatch(/RESETDESK_CONSOLE_TRIAL_HOST_URL: only in dev mode/);
    expect(problemsOf({ ...dev, RESETDESK_PUBLIC_HOST: 'resetdesk.test', RESETDESK_CONSOLE_APP_ID: CONSOLE_APP, RESETDESK_CONSOLE_FRAME_ANCESTORS: 'http://10.0.0.5:5000' })).toMatch(/must be https/);
    expect(problemsOf({ ...production, RESETDESK_PUBLIC_HOST: 'r.contoso.com', RESETDESK_CONSOLE_FRAME_ANCESTORS: 'https://host.example/path' })).toMatch(/must be an origin/);
  });

  test('roles are reused for at most a minute', () => {
    expect(loadConfig({ ...production, RESETDESK_PUBLIC_HOST: 'r.contoso.com', RESETDESK_CONSOLE_ROLE_CACHE_SECONDS: '0' }).console?.roleCacheMs).toBe(0);
    expect(problemsOf({ ...production, RESETDESK_PUBLIC_HOST: 'r.contoso.com', RESETDESK_CONSOLE_ROLE_CACHE_SECONDS: '61' })).toMatch(/from 0 to 60/);
  });
});
