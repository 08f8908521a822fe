// The console in the Teams app package an admin uploads: a personal tab
// beside the bot's chat, on the bot service's host, signed in with the SSO
// resource the service checks tokens against.
import { join } from 'node:path';
import { APP_ID, HOST, microsoftSchemaProblems, newScratchDir, openAppPackage, runManifestScript, type OpenedPackage } from '../manifest/app-package-harness';

jest.setTimeout(60_000);

describe('the console in the Teams app package', () => {
  let pkg: OpenedPackage;

  beforeAll(async () => {
    const dir = await newScratchDir();
    const zip = join(dir, 'app.zip');
    const run = await runManifestScript({ MicrosoftAppId: APP_ID, RESETDESK_PUBLIC_HOST: HOST }, ['--out', zip], dir);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    pkg = await openAppPackage(zip);
  });

  it('is a personal tab at https://<host>/console, after the bot\'s chat (which stays where people land)', () => {
    expect(pkg.manifest.staticTabs).toEqual([
      { entityId: 'conversations', scopes: ['personal'] },
      { entityId: 'console', name: 'Console', contentUrl: `https://${HOST}/console`, scopes: ['personal'] },
    ]);
  });

  it('signs in with Teams SSO for the resource the service checks (api://<host>/<app id>), on a host Teams trusts', async () => {
    expect(pkg.manifest.webApplicationInfo).toEqual({ id: APP_ID, resource: `api://${HOST}/${APP_ID}` });
    expect(pkg.manifest.validDomains).toContain(HOST);
    await expect(microsoftSchemaProblems(pkg.manifest)).resolves.toEqual([]);
  });
});
