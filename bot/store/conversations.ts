import type { StoreContext } from './context';
import { iso, jsonParam, toConversationReference } from './rows';
import type { ConversationReferenceRecord, JsonValue } from './types';
import { conversationReferenceSchema, parseInput } from './validation';

// One reference per person per tenant: the latest conversation with the bot
// is where proactive updates ("your password was changed") should go.
export async function saveConversationReference(
  ctx: StoreContext, tenantId: string, aadObjectId: string, reference: Record<string, JsonValue>,
): Promise<void> {
  const r = parseInput(conversationReferenceSchema, { tenantId, aadObjectId, reference }, 'conversation reference');
  await ctx.db.query(
    `INSERT INTO conversation_references (tenant_id, aad_object_id, reference, updated_at)
     VALUES ($1, $2, $3::jsonb, $4::timestamptz)
     ON CONFLICT (tenant_id, aad_object_id) DO UPDATE SET reference = EXCLUDED.reference, updated_at = EXCLUDED.updated_at`,
    [r.tenantId, r.aadObjectId, jsonParam(r.reference), iso(ctx.now())],
  );
}

export async function getConversationReference(ctx: StoreContext, tenantId: string, aadObjectId: string): Promise<ConversationReferenceRecord | null> {
  const rows = await ctx.db.query('SELECT * FROM conversation_references WHERE tenant_id = $1 AND aad_object_id = $2', [tenantId, aadObjectId]);
  return rows[0] ? toConversationReference(rows[0]) : null;
}
