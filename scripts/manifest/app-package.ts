// Builds the upload-ready Teams app package in memory: the template filled
// from the environment, checked against the Teams schema, and zipped with the
// two icons at the zip's root, which is where Teams looks for them.
//
// Any string in the template may use the placeholders, so the console tab,
// when it comes, is one `staticTabs` entry with a contentUrl of
// "https://{{RESETDESK_PUBLIC_HOST}}/console": validDomains and
// webApplicationInfo (Teams SSO) already name that host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { ResetDeskError } from '../../bot/errors';
import { PackageConfigError, readPackageSettings, type PackageSettings } from './config';
import { iconProblems, type IconRole } from './icon-rules';
import { teamsSchemaProblems } from './teams-schema';
import { fillTemplate, leftoverPlaceholders } from './template';

export const TEMPLATE_FILE = 'manifest.json';

/** The package would be refused by Teams: the manifest breaks the schema, or an icon breaks Teams' rules. */
export class PackageInvalidError extends ResetDeskError {
  constructor(
    code: 'MANIFEST_SCHEMA_INVALID' | 'MANIFEST_ICON_INVALID',
    readonly problems: string[],
  ) {
    const what = code === 'MANIFEST_SCHEMA_INVALID' ? 'The filled manifest does not match the Teams manifest schema' : 'An icon breaks Teams’ rules';
    super(code, `${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageInvalidError';
  }
}

export interface AppPackageSources {
  /** The folder with the manifest template and the icons it names (the repository's manifest/). */
  templateDir: string;
  /** package.json's version: the app version unless RESETDESK_APP_VERSION is set. */
  packageVersion: string;
  env: Record<string, string | undefined>;
}

export interface AppPackage {
  zip: Uint8Array;
  manifest: Record<string, unknown>;
  settings: PackageSettings;
  notes: string[];
}

// Every entry gets the same timestamp, so the same inputs give the same
// bytes: two builds of one release can be compared with a checksum.
const ENTRY_TIME = new Date('2020-01-01T00:00:00Z');

export function buildAppPackage(sources: AppPackageSources): AppPackage {
  const { settings, notes } = readPackageSettings(sources.env, sources.packageVersion);
  const template: unknown = JSON.parse(readFileSync(join(sources.templateDir, TEMPLATE_FILE), 'utf8'));
  const manifest = fillTemplate(template, { ...settings }) as Record<string, unknown>;

  const leftovers = leftoverPlaceholders(manifest);
  if (leftovers.length > 0) {
    const known = Object.keys(settings).join(', ');
    throw new PackageConfigError(leftovers.map((l) => `${l.at}: "${l.text}" still holds a placeholder; the variables filled are ${known}`));
  }

  const schemaProblems = teamsSchemaProblems(manifest);
  if (schemaProblems.length > 0) throw new PackageInvalidError('MANIFEST_SCHEMA_INVALID', schemaProblems);

  const icons = readIcons(sources.templateDir, manifest.icons as Record<IconRole, string>);
  const zip = zipSync(
    {
      [TEMPLATE_FILE]: strToU8(`${JSON.stringify(manifest, null, 2)}\n`),
      [icons.color.name]: icons.color.bytes,
      [icons.outline.name]: icons.outline.bytes,
    },
    { level: 9, mtime: ENTRY_TIME },
  );
  return { zip, manifest, settings, notes };
}

function readIcons(dir: string, names: Record<IconRole, string>): Record<IconRole, { name: string; bytes: Uint8Array }> {
  const problems: string[] = [];
  const read = (role: IconRole) => {
    const name = names[role];
    // Teams resolves icon paths inside the zip; a bare file name keeps both
    // icons at its root beside manifest.json.
    if (!/^[\w.-]+\.png$/i.test(name) || name === TEMPLATE_FILE) {
      problems.push(`icons.${role}: "${name}" must be a PNG file name beside manifest.json`);
      return { name, bytes: new Uint8Array() };
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(dir, name));
    } catch {
      problems.push(`${name}: missing from ${dir} (draw it with: npx tsx scripts/manifest/icons.ts)`);
      return { name, bytes: new Uint8Array() };
    }
    problems.push(...iconProblems(role, name, bytes));
    return { name, bytes };
  };
  const icons = { color: read('color'), outline: read('outline') };
  if (icons.color.name === icons.outline.name) problems.push('icons: the colour and outline icons must be two different files');
  if (problems.length > 0) throw new PackageInvalidError('MANIFEST_ICON_INVALID', problems);
  return icons;
}
