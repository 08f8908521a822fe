// Enrollment from the agent's side: make fresh key pairs, register the public
// halves with a one-time code, pin the service key that came back.
import { unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AGENT_KEYS_FILE, formatKeyThumbprint, generateAgentKeys, jwkThumbprint, saveAgentKeys, type EnrollmentResponse } from '../protocol';
import { AGENT_VERSION } from '../version';
import { checkServiceUrl, saveEnrollment } from './agent-state';
import { enrollWithService } from './gateway-client';

export interface EnrollInput {
  serviceUrl: string;
  code: string;
  name?: string;
  managedOus: string[];
  stateDir: string;
  now?: () => Date;
}

export async function enrollAgent(input: EnrollInput): Promise<EnrollmentResponse & { serviceUrl: string; keyThumbprint: string }> {
  const serviceUrl = checkServiceUrl(input.serviceUrl);
  const keys = await generateAgentKeys();
  // Keys are written first (refusing to replace existing ones): a registration
  // whose keys were then lost could never open a job.
  await saveAgentKeys(input.stateDir, keys.privateJwks);
  let answer: EnrollmentResponse;
  try {
    answer = await enrollWithService(serviceUrl, {
      code: input.code,
      name: (input.name ?? hostname()).slice(0, 64),
      signingJwk: keys.publicKeys.signingJwk,
      encryptionJwk: keys.publicKeys.encryptionJwk,
      ous: input.managedOus,
      version: AGENT_VERSION,
    });
  } catch (err) {
    // Nobody knows these keys: remove them so a retry with a new code can start clean.
    await unlink(join(input.stateDir, AGENT_KEYS_FILE)).catch(() => undefined);
    throw err;
  }
  await saveEnrollment(input.stateDir, {
    serviceUrl,
    agentId: answer.agentId,
    serviceSigningJwk: answer.serviceSigningJwk,
    serviceKeyId: answer.serviceKeyId,
    audience: answer.audience,
    enrolledAt: (input.now ?? (() => new Date()))().toISOString(),
  });
  // What the admin compares before confirming this agent.
  const keyThumbprint = formatKeyThumbprint(await jwkThumbprint(keys.publicKeys.signingJwk));
  return { ...answer, serviceUrl, keyThumbprint };
}
