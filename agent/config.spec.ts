import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { DEFAULT_PROTECTED_GROUPS, loadAgentConfig } from './config';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

async function setup(config: Record<string, unknown>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'agent-config-spec-'));
  await writeFile(join(folder, 'ca.pem'), PEM);
  await writeFile(join(folder, 'pw'), 'S3cret-bind-canary!\n');
  const file = join(folder, 'agent.json');
  await writeFile(file, JSON.stringify(config));
  return file;
}

const valid = {
  dcUrls: ['ldaps://dc1.corp.example.test', 'ldaps://dc2.corp.example.test:636'],
  caFile: 'ca.pem',
  bindDn: 'svc-resetdesk@corp.example.test',
  bindPasswordFile: 'pw',
  baseDn: 'DC=corp,DC=example,DC=test',
  managedOus: ['OU=Staff,DC=corp,DC=example,DC=test'],
};

describe('agent configuration', () => {
  test('a minimal file gets the documented defaults and the password stays hidden', async () => {
    const cfg = await loadAgentConfig({ file: await setup(valid), env: {} });
    expect(cfg.protectedGroups).toEqual([...DEFAULT_PROTECTED_GROUPS]);
    expect(cfg).toMatchObject({ startTls: false, enforceHistoryOnReset: false, connectTimeoutMs: 5000, operationTimeoutMs: 15000, ca: PEM });
    expect(cfg.bindPassword.reveal()).toBe('S3cret-bind-canary!');
    expect(JSON.stringify(cfg) + inspect(cfg, { depth: 5 }) + String(cfg.bindPassword)).not.toContain('S3cret-bind-canary!');
  });

  test('environment variables override the file and can carry the whole configuration', async () => {
    const file = await setup(valid);
    const cfg = await loadAgentConfig({
      env: {
        RESETDESK_AGENT_CONFIG: file,
        RESETDESK_AGENT_MANAGED_OUS: 'OU=A,DC=corp,DC=example,DC=test; OU=B,DC=corp,DC=example,DC=test',
        RESETDESK_AGENT_ENFORCE_HISTORY_ON_RESET: 'true',
        RESETDESK_AGENT_BIND_PASSWORD: 'from-env',
        RESETDESK_AGENT_DC_URLS: 'ldap://dc1.corp.example.test,ldap://dc2.corp.example.test',
        RESETDESK_AGENT_START_TLS: 'yes',
      },
    });
    expect(cfg.managedOus).toEqual(['OU=A,DC=corp,DC=example,DC=test', 'OU=B,DC=corp,DC=example,DC=test']);
    expect(cfg).toMatchObject({ enforceHistoryOnReset: true, startTls: true, dcUrls: ['ldap://dc1.corp.example.test', 'ldap://dc2.corp.example.test'] });
    expect(cfg.bindPassword.reveal()).toBe('from-env');
  });

  test.each([
    [{ dcUrls: ['ldap://dc1.corp.example.test'] }, 'dcUrls.0', 'plain LDAP'],
    [{ dcUrls: ['http://dc1'] }, 'dcUrls.0', 'ldaps://'],
    [{ dcUrls: [] }, 'dcUrls', 'at least one'],
    [{ managedOus: ['Staff'] }, 'managedOus.0', 'distinguished name'],
    [{ baseDn: '' }, 'baseDn', ''],
    [{ bindPassword: 'inline' }, 'bindPassword', 'do not put the password'],
    [{ bindPasswordFile: undefined }, 'bindPassword', 'RESETDESK_AGENT_BIND_PASSWORD'],
    [{ caFile: 'missing.pem' }, 'caFile', 'cannot read'],
    [{ connectTimeoutMs: 'soon' }, 'connectTimeoutMs', ''],
    [{ unexpected: true }, '(config)', ''],
    [{ protectedGroups: ['Tier0*'] }, 'protectedGroups.0', 'not a group name'],
    [{ protectedGroups: ['CN=Tier0,,DC=corp'] }, 'protectedGroups.0', 'distinguished name'],
  ])('a wrong field is named: %j', async (patch, field, words) => {
    const err = await loadAgentConfig({ file: await setup({ ...valid, ...patch }), env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AGENT_CONFIG_INVALID' });
    expect((err as Error).message).toContain(field);
    expect((err as Error).message).toContain(words);
  });

  test('a wrong environment variable is named too', async () => {
    const err = await loadAgentConfig({ file: await setup(valid), env: { RESETDESK_AGENT_CONNECT_TIMEOUT_MS: 'abc' } }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('RESETDESK_AGENT_CONNECT_TIMEOUT_MS');
  });

  test('extra protected groups may be named by sAMAccountName, DN or SID; the built-in ones need no entry', async () => {
    expect(DEFAULT_PROTECTED_GROUPS).toEqual([]);
    const groups = ['Tier0 Operators', 'CN=Helpdesk Leads,OU=Groups,DC=corp,DC=example,DC=test', 'S-1-5-21-1-2-3-1112', 'Domain Admins'];
    const cfg = await loadAgentConfig({ file: await setup({ ...valid, protectedGroups: groups }), env: {} });
    expect(cfg.protectedGroups).toEqual(groups);
  });
});
