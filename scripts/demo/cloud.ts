// The sample company in the cloud: the test suite's stand-ins for Entra ID
// with Microsoft Graph, and for the SMS provider, holding the same people as
// the DC (joined by their on-premises SID, as Entra ID Connect does), their
// registered methods, their managers and their groups.
import { randomBytes } from 'node:crypto';
import { fakeUser, startFakeGraph, type FakeGraph, type FakeGraphUser } from '../../test/support/fake-graph';
import { startFakeSms, type FakeSms } from '../../test/support/fake-sms';
import type { DemoDirectory } from './directory';
import {
  DEMO_GRAPH_CLIENT_ID, DEMO_GROUPS, DEMO_MAIL_DOMAIN, DEMO_MAIL_FROM, DEMO_TENANT_ID, SAMPLE_PEOPLE, membersOf, personOf, upnOf, type Role,
} from './people';

export interface DemoCloud {
  graph: FakeGraph;
  sms: FakeSms;
  close(): Promise<void>;
}

export function graphUsersOf(dir: DemoDirectory): FakeGraphUser[] {
  const people = SAMPLE_PEOPLE.map((p) => {
    const upn = upnOf(p);
    return fakeUser({
      id: p.aadObjectId,
      displayName: p.displayName,
      userPrincipalName: upn,
      mail: upn,
      onPremisesSecurityIdentifier: dir.accounts[p.key].sid,
      onPremisesSamAccountName: p.sam,
      onPremisesDomainName: DEMO_MAIL_DOMAIN,
      onPremisesUserPrincipalName: dir.accounts[p.key].userPrincipalName,
      ...(p.manager ? { managerId: personOf(p.manager).aadObjectId } : {}),
      emailMethods: [p.alternateEmail],
      phoneMethods: p.mobile ? [{ number: p.mobile, type: 'mobile' }] : [],
    });
  });
  // The mailbox codes are sent from: cloud-only, never a person to reset.
  const sender = fakeUser({
    displayName: 'ResetDesk', userPrincipalName: DEMO_MAIL_FROM, mail: DEMO_MAIL_FROM, onPremisesSyncEnabled: false,
    onPremisesSecurityIdentifier: null, onPremisesSamAccountName: null, onPremisesDomainName: null, onPremisesUserPrincipalName: null,
  });
  return [...people, sender];
}

export async function startDemoCloud(dir: DemoDirectory): Promise<DemoCloud> {
  const graph = await startFakeGraph({
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_GRAPH_CLIENT_ID,
    clientSecret: `demo~${randomBytes(18).toString('base64url')}`,
    users: graphUsersOf(dir),
    groups: (Object.keys(DEMO_GROUPS) as Role[]).map((role) => ({
      id: DEMO_GROUPS[role].id,
      displayName: DEMO_GROUPS[role].displayName,
      members: membersOf(role).map((p) => p.aadObjectId),
    })),
  });
  let sms: FakeSms;
  try {
    sms = await startFakeSms();
  } catch (err) {
    await graph.close();
    throw err;
  }
  return {
    graph,
    sms,
    async close() {
      await Promise.all([graph.close(), sms.close()]);
    },
  };
}
