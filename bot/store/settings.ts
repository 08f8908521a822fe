// Settings an admin changes from Teams rather than the environment (the
// approver channel, set by @mentioning the bot in it). Every change is audited
// with who made it; the environment's value stays the default.
import { z } from 'zod';
import { appendAuditInTx, validateAudit } from './audit-log';
import type { StoreContext } from './context';
import { iso, jsonParam } from './rows';
import type { AuditEntryInput, JsonValue } from './types';
import { parseInput } from './validation';

const keySchema = z.string().regex(/^[a-z_]{1,64}$/, 'a setting key is lower-case letters and underscores');

export async function getSetting(ctx: StoreContext, key: string): Promise<{ value: JsonValue; updatedAt: Date; updatedBy: string } | null> {
  const k = parseInput(keySchema, key, 'setting key');
  const rows = await ctx.db.query<{ value: JsonValue; updated_at: Date | string; updated_by: string }>('SELECT value, updated_at, updated_by FROM settings WHERE key = $1', [k]);
  const row = rows[0];
  return row ? { value: row.value, updatedAt: new Date(row.updated_at), updatedBy: row.updated_by } : null;
}

export async function putSetting(ctx: StoreContext, key: string, value: JsonValue, updatedBy: string, audit: AuditEntryInput): Promise<void> {
  const k = parseInput(keySchema, key, 'setting key');
  const by = parseInput(z.string().min(1).max(256), updatedBy, 'updated by');
  const v = parseInput(z.json(), value, 'setting value');
  const entry = validateAudit(audit);
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3::timestamptz, $4)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [k, jsonParam(v), iso(now), by],
    );
    await appendAuditInTx(tx, entry, now);
  });
}
