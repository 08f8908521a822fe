// Every route of the console's JSON API, below /console/api, and the view
// (hence the roles, see roles.ts) each one needs: the whole surface in one table.
import { agentRoutes } from './api/agents-api';
import { ok, type ApiRoute } from './api/api-route';
import { approvalRoutes } from './api/approvals-api';
import { auditRoutes } from './api/audit-api';
import { countRoutes } from './api/counts-api';
import { helpdeskRoutes } from './api/helpdesk-api';
import { requestRoutes } from './api/requests-api';
import { viewsFor, type ConsoleRole, type ConsoleView } from './roles';

export interface MeAnswer {
  person: { aadObjectId: string; displayName: string | null };
  roles: ConsoleRole[];
  views: ConsoleView[];
}

const meRoute: ApiRoute = {
  method: 'GET',
  path: 'me',
  view: null,
  handle: async (_ctx, call) =>
    ok({
      person: { aadObjectId: call.person.aadObjectId, displayName: call.person.displayName },
      roles: call.roles,
      views: viewsFor(call.roles),
    } satisfies MeAnswer),
};

export const CONSOLE_API: readonly ApiRoute[] = [
  meRoute,
  ...helpdeskRoutes, // view: helpdesk
  ...approvalRoutes, // view: approvals
  ...requestRoutes, // view: requests
  ...agentRoutes, // view: agents
  ...auditRoutes, // view: audit
  ...countRoutes, // view: counts
];
