// What an enrolled agent keeps in its state folder: its private keys
// (agent-keys.json), the service it enrolled with and the service key it
// pinned (enrollment.json), and the exactly-once journal. Owner-only files.
import { join } from 'node:path';
import { z } from 'zod';
import {
  AgentIdSchema,
  KeyIdSchema,
  ProtocolError,
  readPrivateFile,
  SigningPublicJwkSchema,
  writePrivateFile,
  type SigningPublicJwk,
} from '../protocol';

export const ENROLLMENT_FILE = 'enrollment.json';
export const STATE_DIR_ENV = 'RESETDESK_AGENT_STATE_DIR';

export interface EnrollmentState {
  serviceUrl: string;
  agentId: string;
  serviceSigningJwk: SigningPublicJwk;
  serviceKeyId: string;
  audience: string;
  enrolledAt: string;
}

const EnrollmentStateSchema = z.strictObject({
  version: z.literal(1),
  serviceUrl: z.string().url(),
  agentId: AgentIdSchema,
  serviceSigningJwk: SigningPublicJwkSchema,
  serviceKeyId: KeyIdSchema,
  audience: z.string().min(1).max(512),
  enrolledAt: z.string(),
});

/** The state folder: --state-dir, $RESETDESK_AGENT_STATE_DIR, or the platform's place for service data. */
export function defaultStateDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env[STATE_DIR_ENV]) return env[STATE_DIR_ENV]!;
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'ResetDesk', 'agent');
  return '/var/lib/resetdesk-agent';
}

/**
 * The service URL must be HTTPS: lease tokens and results travel on it.
 * Plain HTTP is accepted only to this machine (tests, a local proxy).
 */
export function checkServiceUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'The service URL is not a URL (expected https://bot.example.com).');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'The service URL must use https:// (plain http only to this machine).');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'The service URL carries no credentials, query or fragment.');
  }
  return url.toString().replace(/\/$/, '');
}

export async function saveEnrollment(dir: string, state: EnrollmentState, overwrite = false): Promise<void> {
  await writePrivateFile(join(dir, ENROLLMENT_FILE), `${JSON.stringify({ version: 1, ...state }, null, 2)}\n`, { overwrite });
}

export async function loadEnrollment(dir: string): Promise<EnrollmentState> {
  const text = await readPrivateFile(join(dir, ENROLLMENT_FILE));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError('PROTOCOL_ENROLLMENT_INVALID', 'The enrollment file is not valid JSON; enroll the agent again.');
  }
  const parsed = EnrollmentStateSchema.safeParse(json);
  if (!parsed.success) throw new ProtocolError('PROTOCOL_ENROLLMENT_INVALID', 'The enrollment file is damaged; enroll the agent again.');
  const { version: _v, ...state } = parsed.data;
  return state;
}
