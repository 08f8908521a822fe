import { inspect } from 'node:util';
import { Client } from 'ldapts';
import type { Directory } from '../../agent/directory';
import { addMember, createUser, type TestDirectory } from '../support/test-directory';
import { useAgentDirectory } from './agent-test-config';

// Valid-looking passwords, so every code path that handles them is reached.
const CANARY_NEW = 'Canary-New-Pw-5b7e!';
const CANARY_CURRENT = 'Canary-Cur-Pw-19c4!';

const world = useAgentDirectory();
let dir: TestDirectory;
let admin: Client;
let agent: Directory;
beforeAll(() => ({ dir, admin, agent } = world));
const logs = world.logs;

test('a canary password never appears in any error or log line of a failed operation', async () => {
  const user = await createUser(dir, admin, `leak-${Date.now().toString(36)}`, dir.staffOu);
  const admin2 = await createUser(dir, admin, `leakda-${Date.now().toString(36)}`, dir.staffOu);
  await addMember(admin, `CN=Domain Admins,CN=Users,${dir.dc.baseDn}`, admin2.dn);
  const attempts: Promise<unknown>[] = [
    agent.reset('gina', CANARY_NEW),
    agent.reset(admin2.sAMAccountName, CANARY_NEW),
    agent.reset('nobody', CANARY_NEW),
    agent.reset(user.sAMAccountName, `${user.sAMAccountName}-${CANARY_NEW}`),
    agent.change(user.sAMAccountName, CANARY_CURRENT, CANARY_NEW),
    agent.change(user.sAMAccountName, user.password, 'canary'),
  ];
  const errors = await Promise.all(attempts.map((p) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e)));
  expect(errors.map((e) => (e as { code: string }).code)).toEqual([
    'AGENT_OUT_OF_SCOPE', 'AGENT_PROTECTED_ACCOUNT', 'AGENT_USER_NOT_FOUND', 'AGENT_POLICY_VIOLATION', 'AGENT_WRONG_CURRENT_PASSWORD', 'AGENT_POLICY_VIOLATION',
  ]);
  // Successful operations log too.
  await agent.change(user.sAMAccountName, user.password, CANARY_NEW);
  await agent.reset(user.sAMAccountName, CANARY_CURRENT);
  const everything = [
    ...errors.flatMap((e) => [String(e), JSON.stringify(e), inspect(e, { depth: 10 }), (e as Error).stack ?? '']),
    logs.lines.join(''),
  ].join('\n');
  expect(logs.lines.length).toBeGreaterThan(5);
  for (const secret of [CANARY_NEW, CANARY_CURRENT, 'canary', dir.service.password, user.password]) {
    expect(everything).not.toContain(secret);
  }
});
