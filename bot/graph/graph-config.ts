// Settings for reaching Microsoft Graph. The hosts are real configuration:
// national clouds use other ones (login.microsoftonline.us with
// graph.microsoft.us, login.partner.microsoftonline.cn with
// microsoftgraph.chinacloudapi.cn), and tests point them at a local fake.
import { z } from 'zod';
import { ResetDeskError } from '../errors';

export interface GraphDirectoryConfig {
  /** Entra tenant id (GUID) the bot's app registration lives in. */
  tenantId: string;
  /** Application (client) id of the app registration that holds the Graph permissions. */
  clientId: string;
  clientSecret: string;
  /** Default https://login.microsoftonline.com */
  authorityHost?: string;
  /** Default https://graph.microsoft.com */
  baseUrl?: string;
  /** Per request to Graph or the token endpoint. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Extra trusted CA certificates (PEM), added to Node's built-in roots. For
   * networks whose outbound proxy inspects TLS with a company CA.
   */
  ca?: string;
  /** How many times a throttled (429) or briefly unavailable (503) call is retried. Default 2. */
  maxRetries?: number;
  /** A Retry-After longer than this is not waited for: the user is told to try later. Default 10 000 ms. */
  maxRetryAfterMs?: number;
}

export interface ResolvedGraphConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  baseUrl: string;
  timeoutMs: number;
  ca: string | undefined;
  maxRetries: number;
  maxRetryAfterMs: number;
}

const httpsOrigin = z
  .string()
  .url()
  .transform((v) => v.replace(/\/+$/, ''))
  .refine((v) => new URL(v).protocol === 'https:', 'must be an https:// URL');

// The secret is checked for presence only; zod's messages never echo values,
// but the field is kept out of the issue text all the same.
const schema = z.object({
  tenantId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID'),
  clientId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID'),
  clientSecret: z.string().min(1, 'is required'),
  authorityHost: httpsOrigin.default('https://login.microsoftonline.com'),
  baseUrl: httpsOrigin.default('https://graph.microsoft.com'),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  ca: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be PEM certificate text' }).optional(),
  maxRetries: z.number().int().min(0).max(5).default(2),
  maxRetryAfterMs: z.number().int().min(0).max(120_000).default(10_000),
});

export function resolveGraphConfig(config: GraphDirectoryConfig): ResolvedGraphConfig {
  const parsed = schema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `graph.${i.path.join('.')}: ${i.message}`);
    throw new ResetDeskError('CONFIG_INVALID', `Invalid Microsoft Graph configuration: ${problems.join('; ')}`);
  }
  return { ...parsed.data, ca: parsed.data.ca };
}
