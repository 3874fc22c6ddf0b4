import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startAzureEmulator, type AzureEmulator } from './support/azure-emulator';
import { startEntraTokenEndpoint, type EntraTokenEndpoint } from './support/entra-token-endpoint';
import { makeThrowawayCert, type ThrowawayCert } from './support/throwaway-cert';

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

async function chatInChildProcess(env: Record<string, string>) {
  // Nothing from the machine's own identity or Azure settings.
  const appEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(appEnv)) if (/^(AZURE_|IDENTITY_|MSI_|LOG_LEVEL$)/.test(name)) delete appEnv[name];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), '__tests__/support/chat-once.ts'], {
    env: { ...appEnv, AZURE_BASE_URL: emulator.url, AZURE_DEPLOYMENTS: 'gpt-main', AZURE_API: 'chat', RATE_LIMIT_PER_MINUTE: '0', ...env },
    timeout: 60_000,
  });
  const result = /^RESULT (.*)$/m.exec(stderr);
  if (!result) throw new Error(`No result from the child process:\n${stderr}\n${stdout}`);
  return { ...(JSON.parse(result[1]) as { status: number; body: string }), log: stdout };
}

const workloadEnv = () => ({
  AZURE_TENANT_ID: TENANT_ID,
  AZURE_CLIENT_ID: CLIENT_ID,
  AZURE_FEDERATED_TOKEN_FILE: path.join(tokenDir, 'token'),
  AZURE_AUTHORITY_HOST: entra.authorityHost,
  NODE_EXTRA_CA_CERTS: cert.certFile,
});

test('the federated token is exchanged at the https authority and the reply comes with that token', async () => {
  const { status, body, log } = await chatInChildProcess(workloadEnv());
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
  const { status, body, log } = await chatInChildProcess(env);
  expect(status).toBe(503);
  expect(JSON.parse(body).error).toMatchObject({ code: 'identity_unavailable', message: expect.stringContaining('AZURE_FEDERATED_TOKEN_FILE') });
  expect(log).not.toContain(FEDERATED_TOKEN);
}, 90_000);
