// App-only access tokens for Microsoft Graph through msal-node's client
// credentials flow. msal keeps them in its in-memory cache until shortly
// before expiry, so asking for one per Graph call is cheap.
import { AuthError, ConfidentialClientApplication, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { HttpTransportError, type HttpTransport } from '../integrations/http-transport';
import { fromTokenError, TOKEN_TRANSPORT_NETWORK, TOKEN_TRANSPORT_TIMEOUT } from './graph-errors';
import type { Logger } from '../log';
import type { ResolvedGraphConfig } from './graph-config';

export interface GraphTokenSource {
  /** A valid access token for Graph; throws a ResetDeskError (GRAPH_*). */
  getToken(): Promise<string>;
}

export function createGraphTokenSource(config: ResolvedGraphConfig, transport: HttpTransport, logger: Logger): GraphTokenSource {
  const authorityUrl = new URL(config.authorityHost);
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      authority: `${config.authorityHost}/${config.tenantId}`,
      // Naming the host skips msal's instance discovery call, which only knows
      // Microsoft's public and national clouds; the authority's own
      // openid-configuration is still read and checked.
      knownAuthorities: [authorityUrl.host],
    },
    system: { networkClient: msalNetworkClient(transport, config.timeoutMs, logger) },
  });
  // National clouds use their own Graph host; the scope must name it.
  const scopes = [`${config.baseUrl}/.default`];

  return {
    async getToken() {
      try {
        const result = await app.acquireTokenByClientCredential({ scopes });
        if (!result?.accessToken) throw new AuthError('empty_token_response', '', 'The token endpoint returned no access token.');
        return result.accessToken;
      } catch (err) {
        const mapped = fromTokenError(err);
        // msal's and the server's texts are not logged, only the codes mapped above.
        logger.warn({ errorCode: mapped.code, ...mapped.details }, 'could not get a Graph token');
        throw mapped;
      }
    },
  };
}

function msalNetworkClient(transport: HttpTransport, timeoutMs: number, logger: Logger): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> => {
    try {
      const res = await transport.send({
        url,
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        timeoutMs: Math.min(timeout ?? timeoutMs, timeoutMs),
      });
      return { status: res.status, headers: res.headers, body: parseJsonBody(res.body) as T };
    } catch (err) {
      // msal passes AuthErrors through unchanged, so our own code survives to
      // the mapping in fromTokenError; anything else it flattens to network_error.
      if (err instanceof HttpTransportError) {
        // msal swallows a failed metadata fetch, so the reason (a TLS or proxy
        // problem, typically) is logged here or nowhere. Host and socket
        // reason only: the request body holds the client secret.
        logger.warn({ host: new URL(url).host, failure: err.failure, reason: err.message }, 'token endpoint request failed');
        throw new AuthError(err.failure === 'timeout' ? TOKEN_TRANSPORT_TIMEOUT : TOKEN_TRANSPORT_NETWORK, '', err.message);
      }
      throw err;
    }
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

// A gateway's HTML error page must reach msal as a status with an empty body,
// not as a parse failure that hides the status.
function parseJsonBody(text: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
