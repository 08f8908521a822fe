// What every console API handler is given and answers, so the route table
// (console-api.ts) and the HTTP edge (console-routes.ts) stay thin.
import { z } from 'zod';
import type { AgentAdminWindows } from '../../admin/agent-admin';
import { ResetDeskError } from '../../errors';
import type { Actor, JourneyDeps } from '../../journey/journey-deps';
import type { Logger } from '../../log';
import type { Store } from '../../store';
import type { ConsoleRole, ConsoleView } from '../roles';
import type { ConsolePerson } from '../sso-token';

export interface ConsoleContext {
  journey: JourneyDeps;
  store: Store;
  tenantId: string;
  agentWindows: AgentAdminWindows;
  now: () => Date;
  logger: Logger;
}

export interface ApiCall {
  person: ConsolePerson;
  /** As Graph answered on this call (or at most the role cache's time ago). */
  roles: ConsoleRole[];
  /** The person as the use cases know an actor. */
  actor: Actor;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A file for the browser to save (an export). */
export interface Download {
  contentType: string;
  filename: string;
  text: string;
}

export type ApiResult = { status: number; body: unknown } | { status: number; download: Download };

export interface ApiRoute {
  method: 'GET' | 'POST';
  /** Below /console/api. */
  path: string;
  /** The view whose roles may call it; null: anyone signed in (only `me`). */
  view: ConsoleView | null;
  handle(ctx: ConsoleContext, call: ApiCall): Promise<ApiResult>;
}

export const ok = (body: unknown, status = 200): ApiResult => ({ status, body });

/** Input the page sent, checked; a mistake is a 400 that names the field, never echoing the value. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
  throw new ResetDeskError('CONSOLE_INVALID_INPUT', `That request was not understood: ${problems}`);
}

/** A query value given once (the last, if repeated). */
export function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The named query values, each given once (blank ones left out). */
export function singles<K extends string>(query: ApiCall['query'], names: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = one(query[name])?.trim();
    if (value) out[name] = value;
  }
  return out;
}

/** A query value given any number of times (also as a comma list). */
export function many(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}

export const isoInstant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
export const uuidParam = z.uuid();

/** Dates go to the page as ISO text: how JSON.stringify writes them. */
export type Json<T> = T extends Date ? string : T extends Array<infer U> ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
