import { Client } from 'ldapts';
import { testDirectory } from '../support/test-directory';

test('the seeded test domain answers LDAPS and the service account can bind', async () => {
  const dir = await testDirectory();
  const client = new Client({ url: dir.url, tlsOptions: { ca: [dir.ca], servername: dir.dc.servername } });
  await client.bind(dir.service.userPrincipalName, dir.service.password);
  const { searchEntries } = await client.search(dir.staffOu, { scope: 'one', filter: '(objectClass=user)', attributes: ['sAMAccountName'] });
  // Other suites add their own users to OU=Staff; the seeded ones are always there.
  expect(searchEntries.map((e) => e.sAMAccountName)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'pat']));
  await client.unbind();
});
