// Every way a Graph or token call can fail, as one ResetDeskError code each,
// with a message a user in Teams can read. Details carry only what helps an
// admin correlate with Microsoft (status, Graph error code, request id,
// AADSTS number); never a header, a body we sent, or the client secret.
import { AuthError, ServerError } from '@azure/msal-node';
import { ResetDeskError } from '../errors';

export const GraphErrorCode = {
  THROTTLED: 'GRAPH_THROTTLED',
  UNAVAILABLE: 'GRAPH_UNAVAILABLE',
  TIMEOUT: 'GRAPH_TIMEOUT',
  USER_NOT_FOUND: 'GRAPH_USER_NOT_FOUND',
  MAILBOX_NOT_FOUND: 'GRAPH_MAILBOX_NOT_FOUND',
  NOT_AUTHORISED: 'GRAPH_NOT_AUTHORISED',
  TOKEN_FAILED: 'GRAPH_TOKEN_FAILED',
  BAD_REQUEST: 'GRAPH_BAD_REQUEST',
  BAD_RESPONSE: 'GRAPH_BAD_RESPONSE',
  INVALID_INPUT: 'GRAPH_INVALID_INPUT',
} as const;
export type GraphErrorCode = (typeof GraphErrorCode)[keyof typeof GraphErrorCode];

const MESSAGES: Record<GraphErrorCode, string> = {
  GRAPH_THROTTLED: 'Microsoft 365 is busy right now; try again in a minute.',
  GRAPH_UNAVAILABLE: "Microsoft 365 can't be reached right now; try again in a few minutes.",
  GRAPH_TIMEOUT: 'Microsoft 365 is taking too long to answer; try again in a minute.',
  GRAPH_USER_NOT_FOUND: "That account couldn't be found in Microsoft 365. If it was created recently, try again later or contact the helpdesk.",
  GRAPH_MAILBOX_NOT_FOUND:
    "ResetDesk's sending mailbox doesn't exist or can't send mail. An administrator needs to check the configured sender mailbox.",
  GRAPH_NOT_AUTHORISED:
    "ResetDesk isn't allowed to do this in Microsoft 365. An administrator needs to check the app's Microsoft Graph permissions and admin consent.",
  GRAPH_TOKEN_FAILED:
    "ResetDesk couldn't sign in to Microsoft 365. An administrator needs to check the app registration (tenant, client id and client secret, and whether the secret has expired).",
  GRAPH_BAD_REQUEST: 'Microsoft 365 refused the request. If this keeps happening, contact the helpdesk.',
  GRAPH_BAD_RESPONSE: 'Microsoft 365 sent an answer ResetDesk did not understand. If this keeps happening, contact the helpdesk.',
  GRAPH_INVALID_INPUT: "That doesn't look like a valid account identifier.",
};

export type GraphErrorDetails = Record<string, string | number | boolean>;

export function graphError(code: GraphErrorCode, details: GraphErrorDetails = {}): ResetDeskError {
  return new ResetDeskError(code, MESSAGES[code], details);
}

/** What a 404 means for the operation that got it. */
export type NotFoundMeaning = 'user' | 'mailbox';

/** The parts of graph-client's GraphError we read (it keeps no reference to the cause). */
export interface GraphErrorLike {
  statusCode: number;
  code: string | null;
  /** For a failure under HTTP, the transport's error as text ("NetworkError: host: ECONNRESET"). */
  body?: unknown;
  requestId?: string | null;
  headers?: { get(name: string): string | null };
}

export function isGraphErrorLike(err: unknown): err is GraphErrorLike {
  return typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number';
}

export function retryAfterMs(err: GraphErrorLike, now: number): number | undefined {
  const raw = err.headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Maps a failed graph-client call. `operation` is our name for the call, for admins. */
export function fromGraphClientError(err: unknown, operation: string, notFound: NotFoundMeaning): ResetDeskError {
  if (!isGraphErrorLike(err)) return graphError(GraphErrorCode.UNAVAILABLE, { operation });
  const details: GraphErrorDetails = { operation, status: err.statusCode };
  if (err.code && /^[A-Za-z_.]{1,64}$/.test(err.code)) details.graphCode = err.code;
  if (err.requestId && /^[0-9a-f-]{36}$/i.test(err.requestId)) details.requestId = err.requestId;

  const status = err.statusCode;
  // Our transport names its failures; graph-client keeps that name as `code`.
  if (status === -1 || status === 0) {
    // Our transport's message: the host and the low-level reason ("graph.microsoft.com: ECONNRESET"), for admins.
    const text = typeof err.body === 'string' ? err.body.replace(/^(?:Network|Timeout)Error: /, '') : '';
    if (/^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?:? [A-Za-z0-9_ ]{1,64}$/.test(text)) details.reason = text;
    return graphError(err.code === 'TimeoutError' ? GraphErrorCode.TIMEOUT : GraphErrorCode.UNAVAILABLE, details);
  }
  if (status === 429) return graphError(GraphErrorCode.THROTTLED, details);
  if (status === 401 || status === 403) return graphError(GraphErrorCode.NOT_AUTHORISED, details);
  if (status === 404) {
    // Exchange answers a missing or unlicensed sender mailbox with these codes.
    if (notFound === 'mailbox') return graphError(GraphErrorCode.MAILBOX_NOT_FOUND, details);
    return graphError(GraphErrorCode.USER_NOT_FOUND, details);
  }
  if (status === 408 || status === 504) return graphError(GraphErrorCode.TIMEOUT, details);
  if (status >= 500) return graphError(GraphErrorCode.UNAVAILABLE, details);
  return graphError(GraphErrorCode.BAD_REQUEST, details);
}

/** Error codes our msal network client raises for a transport failure (msal passes AuthErrors through). */
export const TOKEN_TRANSPORT_TIMEOUT = 'resetdesk_token_timeout';
export const TOKEN_TRANSPORT_NETWORK = 'resetdesk_token_network';

/** Maps a failed token acquisition (msal-node). */
export function fromTokenError(err: unknown): ResetDeskError {
  const details: GraphErrorDetails = { operation: 'acquireToken' };
  if (!(err instanceof AuthError)) return graphError(GraphErrorCode.TOKEN_FAILED, details);
  if (/^[a-z_]{1,64}$/.test(err.errorCode)) details.reason = err.errorCode;
  const aadsts = /AADSTS\d{4,8}/.exec(err.errorMessage ?? '')?.[0];
  if (aadsts) details.aadsts = aadsts;

  if (err.errorCode === TOKEN_TRANSPORT_TIMEOUT) return graphError(GraphErrorCode.TIMEOUT, details);
  if (err.errorCode === TOKEN_TRANSPORT_NETWORK) return graphError(GraphErrorCode.UNAVAILABLE, details);
  if (err instanceof ServerError) {
    const status = err.status;
    if (status !== undefined) details.status = status;
    if (status === 429) return graphError(GraphErrorCode.THROTTLED, details);
    if (status !== undefined && status >= 500) return graphError(GraphErrorCode.UNAVAILABLE, details);
    return graphError(GraphErrorCode.TOKEN_FAILED, details);
  }
  // The authority's metadata could not be read: msal swallows the network
  // error and reports that it could not resolve endpoints.
  if (err.errorCode === 'endpoints_resolution_error' || err.errorCode === 'network_error') {
    return graphError(GraphErrorCode.UNAVAILABLE, details);
  }
  return graphError(GraphErrorCode.TOKEN_FAILED, details);
}
