/**
 * A loopback Microsoft Entra ID token endpoint over TLS (the identity library insists on an
 * https authority), enough for a workload identity's client-credentials flow with a federated
 * token: OpenID metadata for the tenant, and `POST /{tenant}/oauth2/v2.0/token` that exchanges
 * an expected client assertion (a federated token: a workload identity's file, Vercel's OIDC
 * token) for a token the Azure emulator accepts.
 */
import https from 'node:https';
import type { AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { listenOnLoopback, sendJson } from './loopback-server';
import type { ThrowawayCert } from './throwaway-cert';

export interface TokenExchange {
  clientId: string | null;
  assertion: string | null;
  scope: string | null;
  grantType: string | null;
}

export interface EntraTokenEndpoint {
  /** AZURE_AUTHORITY_HOST for the app. */
  authorityHost: string;
  exchanges: TokenExchange[];
  /** Lifetime of the tokens it issues; under five minutes, the identity library asks anew each time. */
  tokenLifetimeSeconds: number;
  close(): Promise<void>;
}

export async function startEntraTokenEndpoint(options: {
  cert: ThrowawayCert;
  emulator: Pick<AzureEmulator, 'issueToken'>;
  tenantId: string;
  clientId: string;
  federatedToken: string | readonly string[];
}): Promise<EntraTokenEndpoint> {
  const { tenantId } = options;
  const accepted = ([] as string[]).concat(options.federatedToken);
  const server = https.createServer({ cert: options.cert.cert, key: options.cert.key }, (req, res) => {
    const url = new URL(req.url ?? '/', endpoint.authorityHost);
    const send = (status: number, body: unknown) => sendJson(res, status, body);
    const base = `${endpoint.authorityHost}/${tenantId}`;
    if (req.method === 'GET' && url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
      return send(200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      });
    }
    if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk));
      req.on('end', () => {
        const form = new URLSearchParams(raw);
        const exchange = {
          clientId: form.get('client_id'),
          assertion: form.get('client_assertion'),
          scope: form.get('scope'),
          grantType: form.get('grant_type'),
        };
        endpoint.exchanges.push(exchange);
        if (exchange.clientId !== options.clientId || !accepted.includes(exchange.assertion ?? '')) {
          return send(401, { error: 'invalid_client', error_description: 'AADSTS700213: No matching federated identity record found.' });
        }
        const lifetime = endpoint.tokenLifetimeSeconds;
        const { token } = options.emulator.issueToken(lifetime);
        send(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
      });
      return;
    }
    send(404, { error: 'not_found' });
  });
  const { origin, close } = await listenOnLoopback(server, 'https');
  const endpoint: EntraTokenEndpoint = { authorityHost: origin, exchanges: [], tokenLifetimeSeconds: 3600, close };
  return endpoint;
}
