// `npm run manifest` end to end: the real script in its own process, and the
// zip it writes opened the way Teams opens an uploaded app package.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_ID, HOST, microsoftSchemaProblems, newScratchDir, openAppPackage, pixel, REPO, runManifestScript, type OpenedPackage } from './app-package-harness';

const packageVersion = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

describe('the Teams app package an admin uploads', () => {
  let pkg: OpenedPackage;
  let stdout: string;
  let zipFile: string;

  beforeAll(async () => {
    const dir = await newScratchDir();
    zipFile = join(dir, 'out', 'app.zip');
    // The app id in upper case: GUIDs are case-free, but Entra writes them in lower case.
    const run = await runManifestScript({ MicrosoftAppId: APP_ID.toUpperCase(), RESETDESK_PUBLIC_HOST: HOST }, ['--out', zipFile], dir);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    stdout = run.stdout;
    pkg = await openAppPackage(zipFile);
  });

  it('says where it wrote the zip', () => {
    expect(stdout).toContain(`wrote ${zipFile}`);
  });

  it('holds exactly manifest.json, color.png and outline.png, at the root of the zip', () => {
    expect(pkg.names.sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
  });

  it('has a fully opaque 192×192 colour icon', () => {
    expect([pkg.color.width, pkg.color.height]).toEqual([192, 192]);
    const seeThrough = pkg.color.data.filter((value, i) => i % 4 === 3 && value !== 255);
    expect(seeThrough.length).toBe(0);
  });

  it('has a 32×32 outline icon that is only white or fully transparent, with transparent corners', () => {
    const { outline } = pkg;
    expect([outline.width, outline.height]).toEqual([32, 32]);
    const offending: number[][] = [];
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const [r, g, b, a] = pixel(outline, x, y);
        if (a !== 0 && (r !== 255 || g !== 255 || b !== 255)) offending.push([x, y]);
      }
    }
    expect(offending).toEqual([]);
    for (const [x, y] of [[0, 0], [31, 0], [0, 31], [31, 31]] as const) expect(pixel(outline, x, y)[3]).toBe(0);
    // Not an empty image: a good part of it is solid white.
    const solid = [...Array(32 * 32).keys()].filter((i) => outline.data[i * 4 + 3] === 255).length;
    expect(solid).toBeGreaterThan(80);
  });

  it("has a manifest that Microsoft's validator accepts against the Teams schema shipped in @microsoft/app-manifest", async () => {
    await expect(microsoftSchemaProblems(pkg.manifest)).resolves.toEqual([]);
    expect(pkg.manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${pkg.manifest.manifestVersion}/MicrosoftTeams.schema.json`);
  });

  it('leaves no placeholder behind', () => {
    expect(pkg.manifestText).not.toMatch(/\{\{|\}\}/);
  });

  it('is the bot named by MicrosoftAppId, also used as the Teams app id and the SSO app id', () => {
    expect(pkg.manifest.id).toBe(APP_ID);
    expect(pkg.manifest.bots.map((b: { botId: string }) => b.botId)).toEqual([APP_ID]);
    expect(pkg.manifest.webApplicationInfo.id).toBe(APP_ID);
  });

  it('trusts the bot service host and asks Teams SSO for api://<host>/<app id>', () => {
    expect(pkg.manifest.validDomains).toContain(HOST);
    expect(pkg.manifest.webApplicationInfo.resource).toBe(`api://${HOST}/${APP_ID}`);
  });

  it('is a conversational bot in personal chat and in teams, without files', () => {
    const [bot] = pkg.manifest.bots;
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    expect(bot.isNotificationOnly).toBe(false);
    expect(bot.supportsFiles).toBe(false);
  });

  it('suggests the self-service and helpdesk commands in personal chat, and help in a channel', () => {
    const titles = (scope: string) =>
      pkg.manifest.bots[0].commandLists
        .filter((list: { scopes: string[] }) => list.scopes.includes(scope))
        .flatMap((list: { commands: { title: string; description: string }[] }) => list.commands)
        .map((c: { title: string; description: string }) => {
          expect(c.description.length).toBeGreaterThan(10);
          return c.title;
        });
    expect(titles('personal')).toEqual(expect.arrayContaining(['reset', 'unlock', 'status', 'change', 'help', 'help someone']));
    expect(titles('team')).toEqual(expect.arrayContaining(['help']));
  });

  it("takes package.json's version and points the developer links at the bot's host when nothing else is set", () => {
    expect(pkg.manifest.version).toBe(packageVersion);
    expect(pkg.manifest.developer).toEqual(
      expect.objectContaining({
        websiteUrl: `https://${HOST}/`,
        privacyUrl: `https://${HOST}/privacy`,
        termsOfUseUrl: `https://${HOST}/terms`,
      }),
    );
    expect(stdout).toContain('RESETDESK_PRIVACY_URL not set');
  });

  it("uses the colour icon's background as its accent colour", () => {
    const hex = `#${pixel(pkg.color, 0, 0)
      .slice(0, 3)
      .map((c) => c.toString(16).padStart(2, '0'))
      .join('')}`;
    expect(pkg.manifest.accentColor.toLowerCase()).toBe(hex);
  });
});

describe('npm run manifest reads its settings like npm start', () => {
  it('reads .env in the current folder, lets the environment win, and writes to dist/manifest/ there by default', async () => {
    const dir = await newScratchDir();
    await writeFile(
      join(dir, '.env'),
      [`MicrosoftAppId=${APP_ID}`, `RESETDESK_PUBLIC_HOST=${HOST}`, 'RESETDESK_APP_VERSION=1.2.3', 'RESETDESK_DEVELOPER_NAME="Contoso IT"'].join('\n'),
    );
    const run = await runManifestScript(
      {
        RESETDESK_APP_VERSION: '2.0.0',
        RESETDESK_WEBSITE_URL: 'https://intranet.contoso.com/it',
        RESETDESK_PRIVACY_URL: 'https://intranet.contoso.com/it/privacy',
        RESETDESK_TERMS_URL: 'https://intranet.contoso.com/it/terms',
      },
      [],
      dir,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('note:');
    const { manifest } = await openAppPackage(join(dir, 'dist', 'manifest', 'resetdesk-teams-app.zip'));
    expect(manifest.version).toBe('2.0.0');
    expect(manifest.developer).toEqual({
      name: 'Contoso IT',
      websiteUrl: 'https://intranet.contoso.com/it',
      privacyUrl: 'https://intranet.contoso.com/it/privacy',
      termsOfUseUrl: 'https://intranet.contoso.com/it/terms',
    });
  });
});

describe('npm run manifest refuses a bad configuration and writes nothing', () => {
  const refused = async (env: Record<string, string>) => {
    const dir = await newScratchDir();
    const out = join(dir, 'out', 'app.zip');
    const run = await runManifestScript(env, ['--out', out], dir);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(run.stdout).not.toContain('wrote');
    return run;
  };

  it('without MicrosoftAppId, naming the variable (exit 2)', async () => {
    const run = await refused({ RESETDESK_PUBLIC_HOST: HOST });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/MicrosoftAppId: required/);
  });

  it('when MicrosoftAppId is not a GUID (exit 2)', async () => {
    const run = await refused({ MicrosoftAppId: 'resetdesk-bot', RESETDESK_PUBLIC_HOST: HOST });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/MicrosoftAppId: must be a GUID/);
  });

  it('when the public host is given as a URL, saying what to write instead (exit 2)', async () => {
    const run = await refused({ MicrosoftAppId: APP_ID, RESETDESK_PUBLIC_HOST: `https://${HOST}/api/messages` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`RESETDESK_PUBLIC_HOST: must be the host name only, without https:// or a path: "${HOST}"`);
  });

  it('when a developer link is not https (exit 2)', async () => {
    const run = await refused({ MicrosoftAppId: APP_ID, RESETDESK_PUBLIC_HOST: HOST, RESETDESK_PRIVACY_URL: 'http://intranet.contoso.com/privacy' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/RESETDESK_PRIVACY_URL: must be an https:\/\/ URL/);
  });

  it('on an unknown option, with the usage (exit 2)', async () => {
    const run = await runManifestScript({ MicrosoftAppId: APP_ID, RESETDESK_PUBLIC_HOST: HOST }, ['--output', 'app.zip']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run manifest');
    expect(readdirSync(run.cwd)).toEqual([]);
  });
});
