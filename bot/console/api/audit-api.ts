// Audit: browse and filter the log, verify its hash chain (and where it
// breaks), export what the filters select. An export is itself audited.
import { z } from 'zod';
import type { AuditChainReport, AuditEntry, AuditSearch } from '../../store';
import { exportAudit, EXPORT_TYPES } from '../audit-export';
import { isoInstant, one, ok, parse, singles, type ApiCall, type ApiRoute, type Json } from './api-route';

export interface AuditAnswer {
  entries: Json<AuditEntry>[];
  /** Pass back as `after` for the next (older) page; null at the end. */
  next: number | null;
}

export type VerifyAnswer = AuditChainReport;

const PAGE = 100;
// An export larger than this is cut, and says so in its last line's place: narrow the filters.
const MAX_EXPORT = 200_000;
const EXPORT_BATCH = 5000;

// The store checks the filters themselves (an unknown actor kind, a malformed action or request id is a 400 from there).
const Window = z.object({ from: isoInstant.optional(), to: isoInstant.optional() });

function filtersOf(call: ApiCall): AuditSearch {
  const q = singles(call.query, ['action', 'actorKind', 'actorId', 'requestId', 'from', 'to'] as const);
  const window = parse(Window, { from: q.from, to: q.to });
  return {
    ...(q.action ? { action: q.action } : {}),
    ...(q.actorKind ? { actorKind: q.actorKind as AuditSearch['actorKind'] } : {}),
    ...(q.actorId ? { actorId: q.actorId } : {}),
    ...(q.requestId ? { requestId: q.requestId } : {}),
    ...(window.from ? { from: window.from } : {}),
    ...(window.to ? { before: window.to } : {}),
  };
}

const After = z.coerce.number().int().min(1);
const Format = z.enum(['jsonl', 'csv']);

export const auditRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'audit',
    view: 'audit',
    handle: async (ctx, call) => {
      const after = one(call.query.after);
      const entries = await ctx.store.searchAudit({ ...filtersOf(call), ...(after ? { afterSeq: parse(After, after) } : {}), order: 'newest', limit: PAGE + 1 });
      const page = entries.slice(0, PAGE);
      return ok({ entries: page, next: entries.length > PAGE ? page[page.length - 1]!.seq : null });
    },
  },
  {
    method: 'POST',
    path: 'audit/verify',
    view: 'audit',
    handle: async (ctx) => ok(await ctx.store.verifyAuditChain()),
  },
  {
    method: 'GET',
    path: 'audit/export',
    view: 'audit',
    handle: async (ctx, call) => {
      const format = parse(Format, one(call.query.format) ?? 'jsonl');
      const filters = filtersOf(call);
      const entries: AuditEntry[] = [];
      let afterSeq: number | undefined;
      while (entries.length <= MAX_EXPORT) {
        const batch = await ctx.store.searchAudit({ ...filters, order: 'oldest', limit: EXPORT_BATCH, ...(afterSeq !== undefined ? { afterSeq } : {}) });
        entries.push(...batch);
        if (batch.length < EXPORT_BATCH) break;
        afterSeq = batch[batch.length - 1]!.seq;
      }
      const cut = entries.length > MAX_EXPORT;
      const exported = entries.slice(0, MAX_EXPORT);
      await ctx.store.appendAudit({
        actor: { kind: 'admin', id: call.actor.aadObjectId },
        action: 'console.audit_exported',
        details: { format, entries: exported.length, cut, filters: JSON.stringify(filters) },
      });
      const stamp = ctx.now().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      return { status: 200, download: { contentType: EXPORT_TYPES[format], filename: `resetdesk-audit-${stamp}.${format === 'jsonl' ? 'jsonl' : 'csv'}`, text: exportAudit(exported, format) } };
    },
  },
];
