// Validates a manifest against the Teams manifest JSON schema shipped inside
// @microsoft/app-manifest, offline: the package's own fetchSchema downloads
// from developer.microsoft.com, which a build machine may not reach.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';

const SCHEMAS_DIR = join(dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');
const SCHEMA_FILE = 'MicrosoftTeams.schema.json';

/** The `$schema` URL Teams expects for a manifest version. */
export function schemaUrlFor(manifestVersion: string): string {
  return `https://developer.microsoft.com/json-schemas/teams/v${manifestVersion}/${SCHEMA_FILE}`;
}

/** The shipped schema file for a manifest version (e.g. "1.30"), if the installed package has it. */
export function shippedSchemaPath(manifestVersion: string): string | undefined {
  if (!/^\d+\.\d+$/.test(manifestVersion)) return undefined;
  const path = join(SCHEMAS_DIR, `v${manifestVersion}`, SCHEMA_FILE);
  return existsSync(path) ? path : undefined;
}

/** The released (not developer preview) manifest versions the installed package ships, oldest first. */
export function shippedManifestVersions(): string[] {
  return readdirSync(SCHEMAS_DIR)
    .filter((d) => /^v\d+\.\d+$/.test(d))
    .map((d) => d.slice(1))
    .sort((a, b) => compareVersions(a, b));
}

/**
 * Problems with `manifest`, one line each; empty when it is valid. A manifest
 * whose version has no shipped schema, or whose `$schema` names another
 * version, is a problem too: Teams reads both.
 */
export function teamsSchemaProblems(manifest: unknown): string[] {
  const version = (manifest as { manifestVersion?: unknown } | null)?.manifestVersion;
  if (typeof version !== 'string') return ['/manifestVersion: must be a string such as "1.30"'];
  const path = shippedSchemaPath(version);
  if (!path) {
    return [`/manifestVersion: no schema for "${version}" in @microsoft/app-manifest (it ships ${shippedManifestVersions().join(', ')})`];
  }
  const problems: string[] = [];
  const declared = (manifest as { $schema?: unknown }).$schema;
  if (declared !== undefined && declared !== schemaUrlFor(version)) {
    problems.push(`/$schema: must be ${schemaUrlFor(version)} to match manifestVersion ${version}`);
  }
  const validate = compile(path);
  if (!validate(manifest)) problems.push(...(validate.errors ?? []).map(describe));
  return problems;
}

const compiled = new Map<string, ReturnType<Ajv['compile']>>();

function compile(path: string): ReturnType<Ajv['compile']> {
  const cached = compiled.get(path);
  if (cached) return cached;
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  // The file says draft-04 but uses `const` and `if`/`then` from later drafts,
  // which Ajv's default dialect (draft-07) understands; its meta-schema line
  // is dropped because Ajv 8 does not bundle draft-04. Not strict: the schema
  // has an enum mixing a string type with null and a stray keyword or two,
  // which Teams' own validator tolerates as well.
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The only format the schema uses is `uri` (on `$schema`). Checked here
  // with the WHATWG URL parser instead of pulling in a formats package.
  ajv.addFormat('uri', (value: string) => /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value));
  const validate = ajv.compile(schema);
  compiled.set(path, validate);
  return validate;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${where}: has "${String(params.additionalProperty)}", which the schema does not allow`;
  if (error.keyword === 'enum') return `${where}: ${error.message} (${JSON.stringify(params.allowedValues)})`;
  return `${where}: ${error.message ?? error.keyword}`;
}

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
