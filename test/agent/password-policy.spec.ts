import { createDirectory } from '../../agent/directory';
import { testDirectory } from '../support/test-directory';
import { agentConfigFor } from './agent-test-config';

test('a user under the strict fine-grained policy gets that policy, not the domain\'s', async () => {
  const dir = await testDirectory();
  const agent = createDirectory(agentConfigFor(dir, dir.service));
  try {
    expect(await agent.effectivePolicy('pat')).toEqual({
      source: 'fine_grained',
      psoDn: `CN=Strict PSO,CN=Password Settings Container,CN=System,${dir.dc.baseDn}`,
      fallback: null,
      minLength: 14,
      complexity: true,
      historyLength: 10,
      minAgeSeconds: 86_400,
      maxAgeSeconds: 30 * 86_400,
      lockoutThreshold: 3,
    });
    expect(await agent.effectivePolicy('alice')).toEqual({
      source: 'domain', psoDn: null, fallback: null, minLength: 8, complexity: true, historyLength: 5, minAgeSeconds: 0, maxAgeSeconds: 42 * 86_400, lockoutThreshold: 5,
    });
  } finally {
    await agent.close();
  }
});

test('without read on the Password Settings Container the agent falls back to the domain policy and says so', async () => {
  const dir = await testDirectory();
  const agent = createDirectory(agentConfigFor(dir, dir.serviceNoPso));
  try {
    const policy = await agent.effectivePolicy(dir.users.pat.userPrincipalName);
    const psoDn = `CN=Strict PSO,CN=Password Settings Container,CN=System,${dir.dc.baseDn}`;
    expect(policy).toMatchObject({ source: 'domain', psoDn, fallback: { reason: 'pso_unreadable', psoDn }, minLength: 8, historyLength: 5 });
  } finally {
    await agent.close();
  }
});
