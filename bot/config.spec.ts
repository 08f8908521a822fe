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
