import { createServer, type Server } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { inspect } from 'node:util';
import { createDirectory } from '../../agent/directory';
import { createUser, adminClient, newPassword, testDirectory, type TestDirectory } from '../support/test-directory';
import { Secret } from '../../agent/secret';
import { agentConfigFor, capturingLogger } from './agent-test-config';

let dir: TestDirectory;
beforeAll(async () => {
  dir = await testDirectory();
});

function countingServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n += 1;
    s.destroy();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0, connections: () => n });
  }));
}

test('an unreachable first domain controller fails over to the next one', async () => {
  const { logger, lines } = capturingLogger();
  const agent = createDirectory(agentConfigFor(dir, dir.service, { dcUrls: ['ldaps://127.0.0.1:1', dir.url] }), { logger });
  const admin = await adminClient(dir);
  try {
    const user = await createUser(dir, admin, `fo-${Date.now().toString(36)}`, dir.staffOu);
    const result = await agent.reset(user.sAMAccountName, newPassword());
    expect(result.dcUrl).toBe(dir.url);
    expect(lines.join('')).toContain('ldaps://127.0.0.1:1');
  } finally {
    await agent.close();
    await admin.unbind();
  }
});

test('when no domain controller answers, the directory is reported unavailable', async () => {
  const agent = createDirectory(agentConfigFor(dir, dir.service, { dcUrls: ['ldaps://127.0.0.1:1', 'ldaps://127.0.0.1:2'] }));
  await expect(agent.status('alice')).rejects.toMatchObject({ code: 'AGENT_DIRECTORY_UNAVAILABLE', details: { tried: 2 } });
  await agent.close();
});

test('a certificate from another CA, or for another host name, is a TLS failure', async () => {
  const bundle = '/etc/ssl/certs';
  const otherCa = readdirSync(bundle).filter((f) => f.endsWith('.pem')).map((f) => readFileSync(`${bundle}/${f}`, 'utf8'))[0]!;
  const wrongCa = createDirectory(agentConfigFor(dir, dir.service, { ca: otherCa }));
  await expect(wrongCa.status('alice')).rejects.toMatchObject({ code: 'AGENT_TLS_FAILURE' });
  await wrongCa.close();
  const wrongName = createDirectory(agentConfigFor(dir, dir.service, { tlsServername: 'not-the-dc.example.test' }));
  await expect(wrongName.status('alice')).rejects.toMatchObject({ code: 'AGENT_TLS_FAILURE' });
  await wrongName.close();
});

test('plain LDAP without StartTLS is refused by the agent before it opens a connection', async () => {
  const { server, port, connections } = await countingServer();
  try {
    const agent = createDirectory(agentConfigFor(dir, dir.service, { dcUrls: [`ldap://127.0.0.1:${port}`], startTls: false }));
    await expect(agent.status('alice')).rejects.toMatchObject({ code: 'AGENT_INSECURE_TRANSPORT' });
    await agent.close();
    expect(connections()).toBe(0);
  } finally {
    server.close();
  }
});

test('LDAP with StartTLS on port 389 works like LDAPS', async () => {
  const agent = createDirectory(agentConfigFor(dir, dir.service, { dcUrls: [`ldap://${dir.dc.host}:389`], startTls: true }));
  try {
    expect((await agent.status('alice')).locked).toBe(false);
  } finally {
    await agent.close();
  }
});

test('a wrong bind password fails as a bind failure without trying other DCs, and never shows the secret', async () => {
  const canary = 'CANARY-bind-secret-7f3a9!';
  const { logger, lines } = capturingLogger();
  const { server, port, connections } = await countingServer();
  const config = agentConfigFor(dir, dir.service, { bindPassword: new Secret(canary), dcUrls: [dir.url, `ldaps://127.0.0.1:${port}`] });
  const agent = createDirectory(config, { logger });
  try {
    const err = await agent.status('alice').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AGENT_BIND_FAILED' });
    expect(connections()).toBe(0);
    for (const text of [String(err), JSON.stringify(err), inspect(err, { depth: 10 }), inspect(config, { depth: 10 }), JSON.stringify(config), lines.join('')]) {
      expect(text).not.toContain(canary);
    }
  } finally {
    server.close();
    await agent.close();
  }
});
