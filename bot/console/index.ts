// The console, put together from the service's configuration: SSO token
// checks against the tenant's published keys, roles from the configured
// groups, the page bundle, and the routes. app.ts adds its route group to the
// public listener when RESETDESK_PUBLIC_HOST is set.
import type { AgentAdminWindows } from '../admin/agent-admin';
import type { RouteGroup } from '../http/server';
import type { JourneyDeps } from '../journey/journey-deps';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { ConsoleConfig } from './console-config';
import { createConsoleRoutes } from './console-routes';
import { loadConsolePages } from './page-assets';
import { createRoleChecker, type RoleGroups } from './roles';
import { createSsoTokenVerifier, remoteTenantKeys } from './sso-token';

export type { ConsoleConfig } from './console-config';

export interface ConsoleSurface {
  routes: RouteGroup;
  close(): void;
}

export interface ConsoleParts {
  config: ConsoleConfig;
  devMode: boolean;
  tenantId: string;
  groups: RoleGroups;
  journey: JourneyDeps;
  store: Store;
  agentWindows: AgentAdminWindows;
  logger: Logger;
  now: () => Date;
  /** Extra CA (PEM) for fetching the tenant's keys through a TLS-inspecting proxy. */
  extraCa?: string;
}

export function createConsole(p: ConsoleParts): ConsoleSurface {
  const keys = remoteTenantKeys(p.config, p.extraCa ? { ca: p.extraCa } : {});
  const tokens = createSsoTokenVerifier({ tenantId: p.tenantId, appId: p.config.appId, publicHost: p.config.publicHost, issuers: p.config.issuers, keys: keys.keys, now: p.now });
  const roles = createRoleChecker({ people: p.journey.people, groups: p.groups, cacheMs: p.config.roleCacheMs, now: p.now });
  const logger = p.logger.child({ part: 'console' });
  const routes = createConsoleRoutes({
    config: p.config,
    devMode: p.devMode,
    tokens,
    roles,
    pages: loadConsolePages(logger),
    journey: p.journey,
    store: p.store,
    tenantId: p.tenantId,
    agentWindows: p.agentWindows,
    now: p.now,
    logger,
  });
  logger.info({ host: p.config.publicHost, appId: p.config.appId, roleCacheMs: p.config.roleCacheMs }, 'console: on, at /console');
  return { routes, close: keys.close };
}
