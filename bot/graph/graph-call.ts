// One Graph call as ResetDesk makes it: a token from msal, the request through
// graph-client, throttling honoured a bounded number of times, and every
// failure turned into a typed ResetDeskError.
import {
  AuthenticationHandler,
  AuthenticationHandlerOptions,
  Client,
  TelemetryHandler,
  type GraphRequest,
} from '@microsoft/microsoft-graph-client';
import { isResetDeskError, type ResetDeskError } from '../errors';
import type { Logger } from '../log';
import type { HttpTransport } from '../integrations/http-transport';
import type { ResolvedGraphConfig } from './graph-config';
import { fromGraphClientError, isGraphErrorLike, retryAfterMs, type NotFoundMeaning } from './graph-errors';
import type { GraphTokenSource } from './graph-token-source';
import { GraphTransportMiddleware } from './graph-transport-middleware';

export interface GraphCallDeps {
  logger: Logger;
  /** Waits between retries; tests pass one that records instead of sleeping. */
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export type GraphCall = <T>(
  operation: string,
  notFound: NotFoundMeaning,
  build: (api: (path: string) => GraphRequest) => Promise<T>,
) => Promise<T>;

// Graph asks for these to be retried after Retry-After; anything else is final.
const RETRYABLE_STATUSES = new Set([429, 503]);
const FALLBACK_BACKOFF_MS = 1_000;

export function createGraphCall(config: ResolvedGraphConfig, tokens: GraphTokenSource, transport: HttpTransport, deps: GraphCallDeps): GraphCall {
  const client = Client.initWithMiddleware({
    baseUrl: `${config.baseUrl}/`,
    defaultVersion: 'v1.0',
    // graph-client attaches the token only to hosts it knows as Graph; a
    // national cloud's or a test's host has to be named.
    customHosts: new Set([new URL(config.baseUrl).hostname]),
    middleware: [
      new AuthenticationHandler({ getAccessToken: () => tokens.getToken() }),
      new TelemetryHandler(),
      new GraphTransportMiddleware(transport, config.timeoutMs),
    ],
  });
  const log = deps.logger;

  return async function call<T>(operation: string, notFound: NotFoundMeaning, build: (api: (path: string) => GraphRequest) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      // Token failures are mapped here, precisely: graph-client would flatten
      // an error thrown inside its auth middleware into a bare message.
      const token = await tokens.getToken();
      const api = (path: string) =>
        client.api(path).middlewareOptions([new AuthenticationHandlerOptions({ getAccessToken: async () => token })]);
      const started = deps.now();
      try {
        const result = await build(api);
        log.debug({ operation, ms: deps.now() - started, attempt }, 'graph call succeeded');
        return result;
      } catch (err) {
        if (isResetDeskError(err)) throw err;
        const mapped: ResetDeskError = fromGraphClientError(err, operation, notFound);
        const status = isGraphErrorLike(err) ? err.statusCode : -1;
        if (RETRYABLE_STATUSES.has(status) && attempt < config.maxRetries) {
          const wait = (isGraphErrorLike(err) ? retryAfterMs(err, deps.now()) : undefined) ?? FALLBACK_BACKOFF_MS * 2 ** attempt;
          // A long Retry-After means minutes of throttling: better to tell the
          // user now than to keep them staring at a spinner.
          if (wait <= config.maxRetryAfterMs) {
            log.warn({ operation, status, attempt, waitMs: wait }, 'graph call throttled; retrying after the requested delay');
            await deps.sleep(wait);
            continue;
          }
        }
        // A 404 is an answer ("no manager", "no such person") that the caller handles, not an outage to alert on.
        log[status === 404 ? 'debug' : 'warn']({ operation, errorCode: mapped.code, ...mapped.details, attempt }, 'graph call failed');
        throw mapped;
      }
    }
  };
}
