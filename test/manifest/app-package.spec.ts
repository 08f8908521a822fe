// The package build's checks, run in-process on templates and icons that
// the repository's own never are: a manifest Teams' schema refuses, a broken
// icon, a placeholder nobody fills, and the settings an admin gets wrong.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readPackageSettings } from '../../scripts/manifest/config';
import { runManifestCli } from '../../scripts/manifest/cli';
import { drawColorIcon, drawOutlineIcon } from '../../scripts/manifest/icons';
import { fillTemplate, leftoverPlaceholders } from '../../scripts/manifest/template';
import { APP_ID, HOST, newScratchDir, REPO } from './app-package-harness';

const GOOD_ENV = { MicrosoftAppId: APP_ID, RESETDESK_PUBLIC_HOST: HOST };

/** A copy of manifest/ that a test may break, and a CLI run on it. */
async function buildFrom(breakIt: (dir: string) => void, env: Record<string, string> = GOOD_ENV) {
  const work = await newScratchDir();
  const templateDir = join(work, 'manifest');
  cpSync(join(REPO, 'manifest'), templateDir, { recursive: true });
  breakIt(templateDir);
  const out = join(work, 'out', 'app.zip');
  const lines: string[] = [];
  const code = runManifestCli({ argv: ['--out', out], env, cwd: work, repoRoot: REPO, templateDir, out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, output: lines.join('\n'), written: existsSync(out) };
}

function editManifest(dir: string, edit: (m: Record<string, any>) => void): void {
  const file = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(manifest);
  writeFileSync(file, JSON.stringify(manifest));
}

function solidPng(size: number, rgba: [number, number, number, number]): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set(rgba, i * 4);
  return PNG.sync.write(png);
}

describe('npm run manifest refuses a package Teams would refuse (exit 3), and writes nothing', () => {
  it('when the filled manifest breaks the Teams schema, saying where', async () => {
    const run = await buildFrom((dir) => editManifest(dir, (m) => (m.name.short = 'ResetDesk, the password helper of Contoso')));
    expect(run).toMatchObject({ code: 3, written: false });
    expect(run.output).toMatch(/\/name\/short: must NOT have more than 30 characters/);
  });

  it("when $schema names another version than manifestVersion", async () => {
    const run = await buildFrom((dir) => editManifest(dir, (m) => (m.$schema = 'https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json')));
    expect(run).toMatchObject({ code: 3, written: false });
    expect(run.output).toContain('/$schema: must be https://developer.microsoft.com/json-schemas/teams/v');
  });

  it('when the manifest asks for a schema version the installed package does not ship', async () => {
    const run = await buildFrom((dir) => editManifest(dir, (m) => (m.manifestVersion = '9.99')));
    expect(run).toMatchObject({ code: 3, written: false });
    expect(run.output).toMatch(/\/manifestVersion: no schema for "9.99"/);
  });

  it('when an icon has the wrong size', async () => {
    const run = await buildFrom((dir) => writeFileSync(join(dir, 'outline.png'), solidPng(64, [255, 255, 255, 0])));
    expect(run).toMatchObject({ code: 3, written: false });
    expect(run.output).toContain('outline.png: must be 32×32 pixels, is 64×64');
  });

  it('when the outline icon has a pixel that is neither white nor transparent', async () => {
    const run = await buildFrom((dir) => {
      const png = PNG.sync.read(readFileSync(join(dir, 'outline.png')));
      png.data.set([0, 0, 0, 255], (16 * 32 + 16) * 4);
      writeFileSync(join(dir, 'outline.png'), PNG.sync.write(png));
    });
    expect(run).toMatchObject({ code: 3, written: false });
    expect(run.output).toContain('outline.png: must be white on transparent; pixel (16, 16) is neither');
  });

  it('when the colour icon lets the background through', async () => {
    const run = await buildFrom((dir) => writeFileSync(join(dir, 'color.png'), solidPng(192, [31, 90, 166, 128])));
    expect(run).toMatchObject({ code: 3, written: false });
    expect(run.output).toContain('color.png: must be fully opaque');
  });

  it('when an icon file is missing', async () => {
    const run = await buildFrom((dir) => editManifest(dir, (m) => (m.icons.color = 'colour-missing.png')));
    expect(run).toMatchObject({ code: 3, written: false });
    expect(run.output).toContain('colour-missing.png: missing from');
  });
});

describe('npm run manifest refuses a template it cannot fill (exit 2)', () => {
  it('naming the place and the text of a placeholder no variable fills', async () => {
    const run = await buildFrom((dir) => editManifest(dir, (m) => (m.developer.websiteUrl = 'https://{{RESETDESK_INTRANET_HOST}}/it')));
    expect(run).toMatchObject({ code: 2, written: false });
    expect(run.output).toContain('developer.websiteUrl: "https://{{RESETDESK_INTRANET_HOST}}/it" still holds a placeholder');
  });
});

describe('the package settings an admin gives', () => {
  const hostProblem = (host: string) => {
    try {
      readPackageSettings({ MicrosoftAppId: APP_ID, RESETDESK_PUBLIC_HOST: host }, '1.0.0');
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };

  it.each(['localhost', '10.0.0.4', 'resetdesk.contoso.com:3978', 'resetdesk contoso.com', '-bad-.contoso.com'])('refuse %s as the public host', (host) => {
    expect(hostProblem(host)).toContain('RESETDESK_PUBLIC_HOST:');
  });

  it('accept a host name in any case, and use it in lower case', () => {
    expect(readPackageSettings({ MicrosoftAppId: APP_ID, RESETDESK_PUBLIC_HOST: 'ResetDesk.Contoso.COM' }, '1.0.0').settings.RESETDESK_PUBLIC_HOST).toBe(HOST);
  });

  it('treat a blank variable as unset', () => {
    expect(() => readPackageSettings({ MicrosoftAppId: '  ', RESETDESK_PUBLIC_HOST: HOST }, '1.0.0')).toThrow(/MicrosoftAppId: required/);
  });

  it('refuse an app version Teams does not take', () => {
    expect(() => readPackageSettings({ ...GOOD_ENV, RESETDESK_APP_VERSION: '1.4.0-beta.1' }, '1.0.0')).toThrow(/RESETDESK_APP_VERSION: must be MAJOR.MINOR.PATCH/);
    expect(() => readPackageSettings(GOOD_ENV, '1.4.0-beta.1')).toThrow(/RESETDESK_APP_VERSION: required, because package.json's version/);
  });

  it('refuse a developer name longer than Teams shows', () => {
    expect(() => readPackageSettings({ ...GOOD_ENV, RESETDESK_DEVELOPER_NAME: 'Contoso Information Technology Services' }, '1.0.0')).toThrow(/RESETDESK_DEVELOPER_NAME: must be at most 32/);
  });
});

describe('the manifest template', () => {
  it('keeps a value with quotes and backslashes as text, without breaking the JSON', () => {
    const filled = fillTemplate({ name: '{{RESETDESK_DEVELOPER_NAME}}' }, { RESETDESK_DEVELOPER_NAME: 'IT "Ops" \\ Desk' });
    expect(filled).toEqual({ name: 'IT "Ops" \\ Desk' });
  });

  it('never fills a placeholder that arrives inside a value, and reports it', () => {
    const filled = fillTemplate({ a: '{{X}}' }, { X: '{{Y}}', Y: 'no' });
    expect(filled).toEqual({ a: '{{Y}}' });
    expect(leftoverPlaceholders(filled)).toEqual([{ at: 'a', text: '{{Y}}' }]);
  });
});

describe('the icons', () => {
  // Compared as pixels, with room for the last bit of floating point, so a
  // different zlib or CPU does not fail the test while a hand-edited file or
  // a changed drawing that was not re-run does.
  it.each([
    ['color.png', drawColorIcon],
    ['outline.png', drawOutlineIcon],
  ])('manifest/%s is what scripts/manifest/icons.ts draws', (file, draw) => {
    const committed = PNG.sync.read(readFileSync(join(REPO, 'manifest', file)));
    const drawn = draw();
    expect([committed.width, committed.height]).toEqual([drawn.width, drawn.height]);
    const differing = committed.data.filter((value, i) => Math.abs(value - drawn.data[i]!) > 8).length;
    expect(differing).toBe(0);
  });
});
