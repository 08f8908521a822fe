import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { main } from '../../agent/cli';
import type { CliIo } from '../../agent/commands/command';
import { adminClient, createUser, testDirectory, type TestDirectory } from '../support/test-directory';
import { writeAgentConfigFile } from './agent-test-config';

let dir: TestDirectory;
beforeAll(async () => {
  dir = await testDirectory();
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), env };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('agent doctor', () => {
  test('reports every check passing for the delegated service account', async () => {
    const file = await writeAgentConfigFile(dir, dir.service);
    const { code, out } = await cli(['--config', file, 'doctor']);
    expect(out).toContain(`✔ ${dir.dc.host} is an IP address`);
    expect(out).toContain('✔ TCP: port 636 reachable');
    expect(out).toContain('✔ TLS: certificate verified');
    expect(out).toContain(`✔ bind as ${dir.service.userPrincipalName}`);
    expect(out).toContain('⚠ password-policy-hints control not supported');
    expect(out).toContain('✔ fine-grained password policies readable (1)');
    expect(out).toContain(`Managed OU ${dir.staffOu}`);
    expect(out).toContain('✔ "Reset Password" is delegated to the service account');
    expect(out).toContain('✔ can write lockoutTime and pwdLastSet on users');
    expect(out).toContain('✔ built-in protected groups, recognised by their well-known SIDs: Domain Admins, Enterprise Admins, Schema Admins, Administrators');
    expect(out).toContain('✔ can read the group memberships (tokenGroups) of users');
    expect(out).not.toContain('✖');
    expect(code).toBe(0);
  });

  test('a configured protected group that does not exist fails the check and is named; one that exists is shown', async () => {
    const file = await writeAgentConfigFile(dir, dir.service, { protectedGroups: ['Tier0 Operators', 'Tier9 Operators', 'Domain Admins'] });
    const { code, out } = await cli(['--config', file, 'doctor']);
    expect(out).toContain(`✔ extra protected group Tier0 Operators — CN=Tier0 Operators,${dir.groupsOu}`);
    expect(out).toContain('✔ protectedGroups lists built-in groups, which are protected by SID anyway: Domain Admins');
    expect(out).toContain('✖ protected group "Tier9 Operators" does not exist in this domain');
    expect(code).toBe(1);
  });

  test('shows the missing rights when the account has no delegation', async () => {
    const admin = await adminClient(dir);
    const plain = await createUser(dir, admin, `plain-${Date.now().toString(36)}`, dir.serviceOu);
    await admin.unbind();
    const file = await writeAgentConfigFile(dir, plain);
    const { code, out } = await cli(['--config', file, 'doctor']);
    expect(out).toContain(`✔ bind as ${plain.userPrincipalName}`);
    expect(out).toContain('✖ "Reset Password" is not delegated to the service account');
    expect(out).toContain('✖ cannot write lockoutTime and pwdLastSet on users');
    expect(out).toContain('✖ fine-grained password policies');
    expect(code).toBe(1);
  });

  test('flags unreadable fine-grained policies for an account without the container read', async () => {
    const file = await writeAgentConfigFile(dir, dir.serviceNoPso);
    const { code, out } = await cli(['--config', file, 'doctor']);
    expect(out).toContain('✔ "Reset Password" is delegated');
    expect(out).toContain('✖ fine-grained password policies: the Password Settings Container is not readable');
    expect(code).toBe(1);
  });

  test('names the broken link: a dead DC, a wrong CA', async () => {
    const file = await writeAgentConfigFile(dir, dir.service, { dcUrls: ['ldaps://127.0.0.1:1', dir.url] });
    const dead = await cli(['--config', file, 'doctor']);
    expect(dead.out).toContain('✖ TCP: port 1 not reachable — ECONNREFUSED');
    expect(dead.out).toContain('✔ "Reset Password" is delegated');
    expect(dead.code).toBe(1);

    await writeFile(join(dirname(file), 'ca.pem'), (await import('node:fs')).readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
    const wrongCa = await cli(['--config', file, 'doctor']);
    expect(wrongCa.out).toContain('✖ TLS: certificate not verified against the configured CA — AGENT_TLS_FAILURE');
    expect(wrongCa.code).toBe(1);
  });

  test('never prints the bind password, even when the bind fails', async () => {
    const canary = 'CANARY-doctor-9d1e!Qx';
    const file = await writeAgentConfigFile(dir, { userPrincipalName: dir.service.userPrincipalName, password: canary });
    const { code, out, err } = await cli(['--config', file, 'doctor']);
    expect(out).toContain(`✖ bind as ${dir.service.userPrincipalName} — AGENT_BIND_FAILED`);
    expect(code).toBe(1);
    expect(out + err).not.toContain(canary);
  });
});

describe('agent status', () => {
  test('shows an account\'s state by sAMAccountName, UPN or SID', async () => {
    const file = await writeAgentConfigFile(dir, dir.service);
    const bySam = await cli(['--config', file, 'status', 'pat']);
    expect(bySam.code).toBe(0);
    expect(bySam.out).toMatch(/locked\s+no/);
    expect(bySam.out).toMatch(/managed by this agent\s+yes/);
    expect(bySam.out).toMatch(/password policy\s+fine-grained \(CN=Strict PSO/);
    const sid = /sid\s+(S-1-5-\S+)/.exec(bySam.out)![1]!;
    const bySid = await cli(['--config', file, 'status', sid]);
    expect(bySid.out).toContain(dir.users.pat.dn);
    const dave = await cli(['--config', file, 'status', dir.users.dave.userPrincipalName]);
    expect(dave.out).toMatch(/disabled\s+yes/);
    const erin = await cli(['--config', file, 'status', 'erin']);
    expect(erin.out).toMatch(/privileged\s+yes \(Domain Admins/);
    expect(erin.out).toMatch(/privileged because\s+member of Domain Admins; member of Administrators through Domain Admins/);
    expect(erin.out).toMatch(/history on reset\s+not checked/);
  });

  test('an unknown account or an injection attempt is reported as not found', async () => {
    const file = await writeAgentConfigFile(dir, dir.service);
    for (const who of ['nobody', '*)(sAMAccountName=*']) {
      const r = await cli(['--config', file, 'status', who]);
      expect(r.code).toBe(4);
      expect(r.err).toContain('no account matches');
    }
  });

  test('a bad configuration names the wrong field and exits before connecting', async () => {
    const file = await writeAgentConfigFile(dir, dir.service, { dcUrls: ['ldap://127.0.0.1:389'] });
    const r = await cli(['--config', file, 'status', 'alice']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('dcUrls.0');
    expect(r.err).toContain('AGENT_CONFIG_INVALID');
  });

  test('the compiled-style entry point runs as a process', async () => {
    const file = await writeAgentConfigFile(dir, dir.service);
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'agent/cli.ts', '--config', file, 'status', 'alice'], { cwd: join(__dirname, '../..') });
    expect(stdout).toMatch(/account\s+alice/);
  });
});
