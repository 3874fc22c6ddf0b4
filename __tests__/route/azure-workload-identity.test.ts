import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { chatInChildProcess } from '../support/chat-in-child-process';
import { startEntraTokenEndpoint, type EntraTokenEndpoint } from '../support/entra-token-endpoint';
import { makeThrowawayCert, type ThrowawayCert } from '../support/throwaway-cert';

/**
 * Workload identity (AKS, or a platform that federates its OIDC token with Entra ID): the
 * server exchanges the federated token in AZURE_FEDERATED_TOKEN_FILE for an Entra ID token at
 * AZURE_AUTHORITY_HOST. The credential insists on an https authority, so the token endpoint is a
 * loopback TLS server with a throwaway certificate, trusted through NODE_EXTRA_CA_CERTS, which
 * Node reads only at start: the route handler runs in a child process.
 */

const TENANT_ID = '72f988bf-0000-4000-8000-0000000000aa';
const CLIENT_ID = '1b2c3d4e-0000-4000-8000-0000000000bb';
const FEDERATED_TOKEN = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"sub":"system:serviceaccount:chat:app"}').toString('base64url')}.signature`;
let cert: ThrowawayCert;
let emulator: AzureEmulator;
let entra: EntraTokenEndpoint;
let tokenDir: string;

beforeAll(async () => {
  cert = makeThrowawayCert();
  emulator = await startAzureEmulator({ bearerTokens: true });
  entra = await startEntraTokenEndpoint({ cert, emulator, tenantId: TENANT_ID, clientId: CLIENT_ID, federatedToken: FEDERATED_TOKEN });
  tokenDir = mkdtempSync(path.join(os.tmpdir(), 'federated-token-'));
  writeFileSync(path.join(tokenDir, 'token'), FEDERATED_TOKEN);
});
afterAll(async () => {
  await Promise.all([entra?.close(), emulator?.close()]);
  cert?.remove();
  rmSync(tokenDir, { recursive: true, force: true });
});

const workloadEnv = () => ({
  AZURE_TENANT_ID: TENANT_ID,
  AZURE_CLIENT_ID: CLIENT_ID,
  AZURE_FEDERATED_TOKEN_FILE: path.join(tokenDir, 'token'),
  AZURE_AUTHORITY_HOST: entra.authorityHost,
  NODE_EXTRA_CA_CERTS: cert.certFile,
});

test('the federated token is exchanged at the https authority and the reply comes with that token', async () => {
  const { status, body, log } = await chatInChildProcess(emulator.url, workloadEnv());
  expect({ status, body: JSON.parse(body) }).toEqual({ status: 200, body: expect.objectContaining({ text: 'w1 w2 w3 w4 w5' }) });
  expect(entra.exchanges).toEqual([
    { clientId: CLIENT_ID, assertion: FEDERATED_TOKEN, scope: 'https://cognitiveservices.azure.com/.default', grantType: 'client_credentials' },
  ]);
  expect(emulator.requests).toHaveLength(1);
  expect(log).not.toContain(FEDERATED_TOKEN);
  expect(log).not.toMatch(/eyJ0eXAiOiJKV1QifQ/);
}, 90_000);

test('without the certificate trusted, the identity fails with a 503 naming the workload identity settings', async () => {
  const { NODE_EXTRA_CA_CERTS: _untrusted, ...env } = workloadEnv();
  void _untrusted;
  const { status, body, log } = await chatInChildProcess(emulator.url, env);
  expect(status).toBe(503);
  expect(JSON.parse(body).error).toMatchObject({ code: 'identity_unavailable', message: expect.stringContaining('AZURE_FEDERATED_TOKEN_FILE') });
  expect(log).not.toContain(FEDERATED_TOKEN);
}, 90_000);
