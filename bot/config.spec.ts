import { ConfigError, loadConfig } from './config';

const TENANT = '11111111-2222-3333-4444-555555555555';
const APP = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const production = {
  MicrosoftAppId: APP,
  MicrosoftAppPassword: 'app-secret-canary-1',
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: TENANT,
  RESETDESK_CODE_PEPPER: 'p'.repeat(40),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  test('a complete production environment loads with defaults filled in', () => {
    const cfg = loadConfig(production);
    expect(cfg.port).toBe(3978);
    expect(cfg.tenantId).toBe(TENANT);
    expect(cfg.graph.clientId).toBe(APP);
    expect(cfg.passwordMinLength).toBe(12);
    expect(cfg.methodsRequiredPrivileged).toBe(2);
    expect(cfg.devMode).toBe(false);
  });

  test('the service refuses to start without an app id unless dev mode is asked for', () => {
    expect(problemsOf({ RESETDESK_TENANT_ID: TENANT }).join('\n')).toMatch(/MicrosoftAppId: required/);
    const dev = loadConfig({ RESETDESK_DEV_MODE: 'true', RESETDESK_TENANT_ID: TENANT, GRAPH_CLIENT_ID: APP, GRAPH_CLIENT_SECRET: 'graph-secret' });
    expect(dev.devMode).toBe(true);
    expect(dev.bot.appId).toBeUndefined();
  });

  test('each wrong variable is named in the error', () => {
    const problems = problemsOf({ ...production, PORT: 'eighty', MicrosoftAppTenantId: 'not-a-guid', SMS_PROVIDER_URL: 'ftp://x' });
    expect(problems.join('\n')).toMatch(/PORT: must be a whole number/);
    expect(problems.join('\n')).toMatch(/MicrosoftAppTenantId: must be a GUID/);
    expect(problems.join('\n')).toMatch(/SMS_PROVIDER_URL: must be an http\(s\) URL/);
  });

  test('the job-signing key comes from a file in the data folder unless one is given', () => {
    expect(loadConfig({ ...production, RESETDESK_DATA_DIR: '/var/lib/resetdesk' }).writeback).toEqual({
      signingKey: { file: '/var/lib/resetdesk/service-signing-key.json' },
      audience: `resetdesk:${TENANT}`,
    });
    expect(loadConfig({ ...production, RESETDESK_SIGNING_KEY_JWK: '{"kty":"OKP"}' }).writeback.signingKey).toEqual({ jwkJson: '{"kty":"OKP"}' });
    expect(problemsOf({ ...production, RESETDESK_SIGNING_KEY_JWK: '{}', RESETDESK_SIGNING_KEY_FILE: '/k.json' }).join('\n')).toMatch(/set one, not both/);
  });

  test('a short pepper and a half-configured SMS provider are refused', () => {
    const problems = problemsOf({ ...production, RESETDESK_CODE_PEPPER: 'short', SMS_PROVIDER_URL: 'https://sms.example.test' });
    expect(problems.join('\n')).toMatch(/RESETDESK_CODE_PEPPER: must be at least 32 characters/);
    const problems2 = problemsOf({ ...production, SMS_PROVIDER_URL: 'https://sms.example.test' });
    expect(problems2.join('\n')).toMatch(/set both or neither/);
  });

  test('secrets never appear in configuration errors', () => {
    const problems = problemsOf({ ...production, PORT: 'x', MicrosoftAppTenantId: '' , MicrosoftAppType: 'SingleTenant' });
    expect(problems.join('\n')).not.toContain('app-secret-canary-1');
  });
});

describe('dev mode is no backdoor', () => {
  const dev = { RESETDESK_DEV_MODE: 'true', RESETDESK_TENANT_ID: TENANT, GRAPH_CLIENT_ID: APP, GRAPH_CLIENT_SECRET: 'graph-secret' };

  test('it listens on loopback only: loopback by default, and any other address is refused', () => {
    expect(loadConfig(dev).host).toBe('127.0.0.1');
    expect(loadConfig({ ...dev, HOST: '::1' }).host).toBe('::1');
    expect(problemsOf({ ...dev, HOST: '0.0.0.0' }).join('\n')).toMatch(/HOST: dev mode listens on loopback only/);
    expect(problemsOf({ ...dev, HOST: '10.1.2.3' }).join('\n')).toMatch(/HOST: dev mode listens on loopback only/);
  });

  test('with an app id set it is refused as ambiguous', () => {
    expect(problemsOf({ ...production, ...dev }).join('\n')).toMatch(/RESETDESK_DEV_MODE: cannot be used with MicrosoftAppId/);
  });

  test('the code pepper is never a constant from the source: without one, config leaves it to the data folder', () => {
    expect(loadConfig(dev).codePepper).toBeUndefined();
    expect(loadConfig({ ...dev, RESETDESK_CODE_PEPPER: 'q'.repeat(40) }).codePepper).toBe('q'.repeat(40));
  });

  test('the Teams service URL is https; plain http only in dev mode and only to this machine', () => {
    expect(problemsOf({ ...production, RESETDESK_TEAMS_SERVICE_URL: 'http://smba.example.test/teams' }).join('\n')).toMatch(/RESETDESK_TEAMS_SERVICE_URL: must be https/);
    expect(problemsOf({ ...production, RESETDESK_TEAMS_SERVICE_URL: 'http://127.0.0.1:56000/_connector' }).join('\n')).toMatch(/RESETDESK_TEAMS_SERVICE_URL: must be https/);
    expect(problemsOf({ ...dev, RESETDESK_TEAMS_SERVICE_URL: 'http://smba.example.test/teams' }).join('\n')).toMatch(/RESETDESK_TEAMS_SERVICE_URL: must be https/);
    expect(problemsOf({ ...dev, RESETDESK_TEAMS_SERVICE_URL: 'http://127.0.0.1:56000/_connector' })).toEqual([]);
    expect(problemsOf({ ...production, RESETDESK_TEAMS_SERVICE_URL: 'https://smba.trafficmanager.net/emea' })).toEqual([]);
  });
});

describe('the management listener', () => {
  test('is on loopback by default, on a port of its own', () => {
    expect(loadConfig(production).management).toEqual({ port: 9464, host: '127.0.0.1', token: undefined });
  });

  test('off loopback it needs a bearer token', () => {
    expect(problemsOf({ ...production, RESETDESK_MANAGEMENT_HOST: '0.0.0.0' }).join('\n')).toMatch(/RESETDESK_MANAGEMENT_TOKEN: required/);
    expect(loadConfig({ ...production, RESETDESK_MANAGEMENT_HOST: '0.0.0.0', RESETDESK_MANAGEMENT_TOKEN: 't'.repeat(40) }).management.token).toBe('t'.repeat(40));
  });
});

describe('usage limits', () => {
  test('have sensible defaults and are set as count/window', () => {
    const cfg = loadConfig({ ...production, RESETDESK_LIMIT_SMS_CODES: '2/12h' });
    expect(cfg.limits.sms_code).toEqual({ max: 2, windowMs: 12 * 3600_000 });
    expect(cfg.limits.wrong_code).toEqual({ max: 10, windowMs: 24 * 3600_000 });
  });

  test('a malformed limit is named', () => {
    expect(problemsOf({ ...production, RESETDESK_LIMIT_WRONG_CODES: 'ten a day' }).join('\n')).toMatch(/RESETDESK_LIMIT_WRONG_CODES: must look like 10\/24h/);
    expect(problemsOf({ ...production, RESETDESK_LIMIT_REQUESTS: '0/1h' }).join('\n')).toMatch(/RESETDESK_LIMIT_REQUESTS: needs a count of at least 1/);
  });
});
