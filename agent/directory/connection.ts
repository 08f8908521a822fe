// Opens an authenticated, verified connection to the first domain controller
// that answers. Plain LDAP is refused here, before any socket is opened, so
// neither the bind secret nor a password can ever cross the wire in clear.
import { Client } from 'ldapts';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config';
import { AgentError, DirectoryUnavailableError, InsecureTransportError, TlsFailureError } from '../errors';
import { mapLdapError } from './map-ldap-error';

export type ConnectionConfig = Pick<
  AgentConfig,
  'dcUrls' | 'startTls' | 'ca' | 'tlsServername' | 'bindDn' | 'bindPassword' | 'connectTimeoutMs' | 'operationTimeoutMs'
>;

export interface DirectoryConnection {
  client: Client;
  url: string;
}

export function assertSecureUrls(config: Pick<AgentConfig, 'dcUrls' | 'startTls'>): void {
  for (const url of config.dcUrls) {
    if (/^ldaps:\/\//i.test(url)) continue;
    if (/^ldap:\/\//i.test(url) && config.startTls) continue;
    throw new InsecureTransportError(url);
  }
}

export function tlsOptionsFor(config: Pick<AgentConfig, 'ca' | 'tlsServername'>, url: string): ConnectionOptions {
  const host = new URL(url).hostname;
  return {
    ca: [config.ca],
    servername: config.tlsServername ?? host,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
  };
}

/** Opens a verified TLS session (LDAPS, or LDAP + StartTLS) without binding; doctor checks this step on its own. */
export async function openTls(config: ConnectionConfig, url: string): Promise<Client> {
  assertSecureUrls({ dcUrls: [url], startTls: config.startTls });
  const tlsOptions = tlsOptionsFor(config, url);
  const startTls = /^ldap:\/\//i.test(url);
  const client = new Client({
    url,
    // ldapts opens TLS at once whenever tlsOptions is given, even for ldap://.
    ...(startTls ? {} : { tlsOptions }),
    connectTimeout: config.connectTimeoutMs,
    timeout: config.operationTimeoutMs,
    strictDN: false,
  });
  try {
    if (startTls) await client.startTLS({ ...tlsOptions });
    // An ldaps:// client connects lazily; a harmless rootDSE read proves the TLS session.
    else await client.search('', { scope: 'base', attributes: ['1.1'] });
    return client;
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw mapLdapError(err, 'bind', { url });
  }
}

/**
 * Tries each configured DC in order. An unreachable DC or one whose
 * certificate fails verification is skipped; a refused bind is not (the
 * account is the same on every DC, so trying more would only add bad-password
 * counts to the service account).
 */
export async function connectDirectory(config: ConnectionConfig, log?: Logger): Promise<DirectoryConnection> {
  assertSecureUrls(config);
  const failures: AgentError[] = [];
  for (const url of config.dcUrls) {
    let client: Client | undefined;
    try {
      client = await openTls(config, url);
      await client.bind(config.bindDn, config.bindPassword.reveal());
      if (failures.length) log?.warn({ url, skipped: failures.length }, 'connected to a fail-over domain controller');
      return { client, url };
    } catch (err) {
      await client?.unbind().catch(() => undefined);
      const mapped = mapLdapError(err, 'bind', { url });
      if (!(mapped instanceof DirectoryUnavailableError || mapped instanceof TlsFailureError)) throw mapped;
      log?.warn({ url, errorCode: mapped.code }, 'domain controller not usable, trying the next one');
      failures.push(mapped);
    }
  }
  const tls = failures.find((f) => f instanceof TlsFailureError);
  if (tls) throw new TlsFailureError({ tried: config.dcUrls.length }, { cause: tls });
  throw new DirectoryUnavailableError({ tried: config.dcUrls.length }, { cause: failures[0] });
}
