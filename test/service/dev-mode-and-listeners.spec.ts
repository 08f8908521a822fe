// Dev mode is for a developer's machine and must never become an open door;
// readiness and metrics are for the operator, not the internet. Both are
// tried on the real service process, configured only by its environment.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess } from './service-process';
import { main } from '../../bot/admin-cli';

jest.setTimeout(60_000);

const TENANT = '11111111-2222-4333-8444-555555555555';
const GRAPH = { GRAPH_CLIENT_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', GRAPH_CLIENT_SECRET: 'graph-secret-not-used' };

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'resetdesk-svc-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const dev = () => ({ RESETDESK_DEV_MODE: 'true', RESETDESK_TENANT_ID: TENANT, RESETDESK_DATA_DIR: dataDir, ...GRAPH });

test('dev mode refuses to start on an address other machines can reach', async () => {
  const service = startServiceProcess({ ...dev(), HOST: '0.0.0.0' });
  expect(await service.exited).toBe(3);
  expect(service.output()).toMatch(/HOST: dev mode listens on loopback only/);
});

test('dev mode with an app id is refused as ambiguous', async () => {
  const service = startServiceProcess({ ...dev(), MicrosoftAppId: 'aaaaaaaa-bbbb-4ccc-8ddd-000000000001', MicrosoftAppPassword: 'x', MicrosoftAppTenantId: TENANT });
  expect(await service.exited).toBe(3);
  expect(service.output()).toMatch(/RESETDESK_DEV_MODE: cannot be used with MicrosoftAppId/);
});

test('dev mode says what is off, listens on loopback, and keeps a pepper generated for its data folder, the same after a restart', async () => {
  const first = startServiceProcess(dev());
  try {
    await first.listening();
    expect(first.output()).toMatch(/DEV MODE/);
    expect(first.output()).toMatch(/Bot Framework authentication is OFF/);
    expect(first.output()).toMatch(/listens on 127\.0\.0\.1 only/);
  } finally {
    await first.stop();
  }
  const file = join(dataDir, 'dev-code-pepper');
  const pepper = (await readFile(file, 'utf8')).trim();
  expect(pepper.length).toBeGreaterThanOrEqual(32);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(first.output()).not.toContain(pepper);

  const second = startServiceProcess(dev());
  try {
    await second.listening();
  } finally {
    await second.stop();
  }
  expect((await readFile(file, 'utf8')).trim()).toBe(pepper);

  // Another data folder, another pepper: nothing is shared through the source code.
  const otherDir = await mkdtemp(join(tmpdir(), 'resetdesk-svc-'));
  try {
    const third = startServiceProcess({ ...dev(), RESETDESK_DATA_DIR: otherDir });
    await third.listening();
    await third.stop();
    expect((await readFile(join(otherDir, 'dev-code-pepper'), 'utf8')).trim()).not.toBe(pepper);
  } finally {
    await rm(otherDir, { recursive: true, force: true });
  }
});

test('/readyz and /metrics are served on the management listener only; /healthz stays open on both', async () => {
  const service = startServiceProcess(dev());
  try {
    const { url, managementUrl } = await service.listening();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect((await fetch(`${managementUrl}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${managementUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/resetdesk_card_actions_total/);
    expect(await (await fetch(`${managementUrl}/readyz`)).json()).toMatchObject({ checks: expect.arrayContaining([{ name: 'store', ok: true }]) });
  } finally {
    await service.stop();
  }
});

test('with a management token, /readyz and /metrics want it; a wrong one gets 401 and no data', async () => {
  const token = 'm'.repeat(20) + 'anagement-token-for-tests';
  const service = startServiceProcess({ ...dev(), RESETDESK_MANAGEMENT_TOKEN: token });
  try {
    const { managementUrl } = await service.listening();
    expect((await fetch(`${managementUrl}/healthz`)).status).toBe(200);
    const refused = await fetch(`${managementUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token' } });
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toMatch(/resetdesk_/);
    expect((await fetch(`${managementUrl}/readyz`)).status).toBe(401);
    expect((await fetch(`${managementUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  } finally {
    await service.stop();
  }
});

test('while the service runs on PGlite, the admin CLI works through its management listener: codes are issued and agents listed', async () => {
  const service = startServiceProcess(dev());
  try {
    const { managementUrl } = await service.listening();
    const port = new URL(managementUrl).port;
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), env: { RESETDESK_DATA_DIR: dataDir, RESETDESK_MANAGEMENT_PORT: port } };
    expect(await main(['enrollment-code'], io)).toBe(0);
    expect(out.trim()).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(out + err).not.toMatch(/ENOENT|lock|stack/i);
    out = '';
    expect(await main(['agents'], io)).toBe(0);
    expect(out).toMatch(/No agent is enrolled yet/);
    // Without the token (another user, another data folder) the service refuses.
    const other = await mkdtemp(join(tmpdir(), 'resetdesk-other-'));
    try {
      err = '';
      expect(await main(['agents'], { ...io, env: { RESETDESK_DATA_DIR: other, RESETDESK_MANAGEMENT_PORT: port } })).toBe(1);
      expect(err).toMatch(/no management token here/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    expect((await fetch(`${managementUrl}/admin/agents`)).status).toBe(401);
  } finally {
    await service.stop();
  }
});
