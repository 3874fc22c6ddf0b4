/**
 * A loopback managed-identity endpoint speaking the App Service / Container Apps protocol, the
 * one @azure/identity uses when the platform sets IDENTITY_ENDPOINT and IDENTITY_HEADER:
 * `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…[&client_id=…]` with the header
 * `X-IDENTITY-HEADER: {IDENTITY_HEADER}`, answered with `{ access_token, expires_on, … }`.
 * Tokens come from the Azure emulator (`issueToken`), so the emulator accepts exactly them.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { listenOnLoopback, sendJson } from './loopback-server';

export interface IdentityRequest {
  resource: string | null;
  clientId: string | null;
  apiVersion: string | null;
  /** The token handed out, if any. */
  token?: string;
}

export interface ManagedIdentityEndpoint {
  /** IDENTITY_ENDPOINT and IDENTITY_HEADER for the app. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  requests: IdentityRequest[];
  /** Lifetime of the tokens handed out from now on (seconds). */
  tokenLifetimeSeconds: number;
  /** Answer with this status (and an error body) instead of a token, or undefined to issue again. */
  failWith?: number;
  close(): Promise<void>;
}

/** `clientId`: the one user-assigned identity assigned to the app (the system-assigned one always is). */
export async function startManagedIdentityEndpoint(
  emulator: Pick<AzureEmulator, 'issueToken'>,
  options: { clientId?: string } = {},
): Promise<ManagedIdentityEndpoint> {
  const secret = randomBytes(16).toString('hex');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://identity');
    const request: IdentityRequest = {
      resource: url.searchParams.get('resource'),
      clientId: url.searchParams.get('client_id'),
      apiVersion: url.searchParams.get('api-version'),
    };
    endpoint.requests.push(request);
    const send = (status: number, body: unknown) => sendJson(res, status, body);
    if (req.headers['x-identity-header'] !== secret)
      return send(401, { error: 'unauthorized', error_description: 'Missing or wrong X-IDENTITY-HEADER.' });
    if (request.apiVersion !== '2019-08-01' || request.resource !== 'https://cognitiveservices.azure.com') {
      return send(400, {
        error: 'invalid_request',
        error_description: `Unexpected api-version or resource: ${request.apiVersion} ${request.resource}`,
      });
    }
    if (request.clientId !== null && request.clientId !== options.clientId) {
      return send(400, { error: 'invalid_request', error_description: 'No such user-assigned identity is assigned to this app.' });
    }
    if (endpoint.failWith) return send(endpoint.failWith, { error: 'unavailable', error_description: 'The identity endpoint is failing (test).' });
    const { token, expiresOn } = emulator.issueToken(endpoint.tokenLifetimeSeconds);
    request.token = token;
    send(200, {
      access_token: token,
      expires_on: String(expiresOn),
      resource: request.resource,
      token_type: 'Bearer',
      client_id: request.clientId ?? 'system-assigned',
    });
  });
  const { origin, close } = await listenOnLoopback(server, 'http');
  const endpoint: ManagedIdentityEndpoint = {
    env: { IDENTITY_ENDPOINT: `${origin}/msi/token`, IDENTITY_HEADER: secret },
    requests: [],
    tokenLifetimeSeconds: 3600,
    close,
  };
  return endpoint;
}
