import { GET as health } from '@/app/api/health/route';
import { getConfig, vercelOidcToken } from '@/lib/config';
import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, useEnv } from '../support/chat-client';
import { chatInChildProcess } from '../support/chat-in-child-process';
import { startEntraTokenEndpoint, type EntraTokenEndpoint } from '../support/entra-token-endpoint';
import { makeThrowawayCert, type ThrowawayCert } from '../support/throwaway-cert';

/**
 * Vercel OIDC federation: Vercel hands a function its OIDC token in VERCEL_OIDC_TOKEN, not in a
 * file, so with AZURE_TENANT_ID and AZURE_CLIENT_ID the server presents that token to Entra ID
 * as a client assertion. As in the workload identity test, the token endpoint is a loopback TLS
 * server trusted through NODE_EXTRA_CA_CERTS, so the route handler runs in a child process; it
 * accepts only the token Vercel would have issued for this project, and the emulator only the
 * Entra tokens it issued in exchange, so a reply proves the whole chain.
 */

const TENANT_ID = '72f988bf-0000-4000-8000-0000000000cc';
const CLIENT_ID = '1b2c3d4e-0000-4000-8000-0000000000dd';
const vercelToken = (environment: string) => {
  const claims = { iss: 'https://oidc.vercel.com/acme', sub: `owner:acme:project:chat:environment:${environment}`, aud: 'https://vercel.com/acme' };
  return `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`;
};
const PRODUCTION_TOKEN = vercelToken('production');
// What Vercel would put in VERCEL_OIDC_TOKEN later, as the first one nears its expiry.
const REFRESHED_TOKEN = vercelToken('production').replace(/\.c2lnbmF0dXJl$/, '.cmVmcmVzaGVk');
let cert: ThrowawayCert;
let emulator: AzureEmulator;
let entra: EntraTokenEndpoint;

beforeAll(async () => {
  cert = makeThrowawayCert();
  emulator = await startAzureEmulator({ bearerTokens: true });
  // The federated credential on the app registration trusts production deployments only.
  entra = await startEntraTokenEndpoint({
    cert,
    emulator,
    tenantId: TENANT_ID,
    clientId: CLIENT_ID,
    federatedToken: [PRODUCTION_TOKEN, REFRESHED_TOKEN],
  });
});
afterAll(async () => {
  await Promise.all([entra?.close(), emulator?.close()]);
  cert?.remove();
});
beforeEach(() => {
  emulator.reset();
  entra.exchanges.length = 0;
  entra.tokenLifetimeSeconds = 3600;
});

const vercelEnv = (token: string) => ({
  AZURE_TENANT_ID: TENANT_ID,
  AZURE_CLIENT_ID: CLIENT_ID,
  VERCEL_OIDC_TOKEN: token,
  AZURE_AUTHORITY_HOST: entra.authorityHost,
  NODE_EXTRA_CA_CERTS: cert.certFile,
});

test("Vercel's OIDC token is exchanged for an Entra ID token and the reply comes with it", async () => {
  const { status, body, log } = await chatInChildProcess(emulator.url, vercelEnv(PRODUCTION_TOKEN));
  expect({ status, body: JSON.parse(body) }).toEqual({ status: 200, body: expect.objectContaining({ text: 'w1 w2 w3 w4 w5' }) });
  expect(entra.exchanges).toEqual([
    { clientId: CLIENT_ID, assertion: PRODUCTION_TOKEN, scope: 'https://cognitiveservices.azure.com/.default', grantType: 'client_credentials' },
  ]);
  expect(emulator.requests).toHaveLength(1);
  expect(emulator.requests[0].headers.authorization).toMatch(/^Bearer eyJ0eXAiOiJKV1QifQ\./);
  expect(log).not.toContain(PRODUCTION_TOKEN);
  expect(log).not.toMatch(/eyJ0eXAiOiJKV1QifQ/);
}, 90_000);

test('when Vercel replaces the token, the next exchange presents the new one', async () => {
  // Entra tokens this short-lived are fetched anew for every chat, each time with an assertion.
  entra.tokenLifetimeSeconds = 60;
  const { answers, log } = await chatInChildProcess(emulator.url, vercelEnv(PRODUCTION_TOKEN), { VERCEL_OIDC_TOKEN: REFRESHED_TOKEN });
  expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
  expect(entra.exchanges.map((exchange) => exchange.assertion)).toEqual([PRODUCTION_TOKEN, REFRESHED_TOKEN]);
  expect(log).not.toContain(REFRESHED_TOKEN);
}, 90_000);

test('a token Entra ID does not trust (another environment) is a 503 naming what to check, with no token or stack', async () => {
  const previewToken = vercelToken('preview');
  const { status, body, log } = await chatInChildProcess(emulator.url, vercelEnv(previewToken));
  expect(entra.exchanges).toEqual([expect.objectContaining({ clientId: CLIENT_ID, assertion: previewToken })]);
  expect(emulator.requests).toHaveLength(0);
  expect(status).toBe(503);
  expect(JSON.parse(body).error).toMatchObject({
    code: 'identity_unavailable',
    message: expect.stringMatching(
      /Vercel OIDC federation \(AZURE_TENANT_ID, AZURE_CLIENT_ID, and a federated credential .*issuer, subject and audience/,
    ),
  });
  // The log says why (Entra's refusal) without the token; neither carries a stack trace.
  expect(log).toContain('AADSTS700213');
  for (const text of [body, log]) {
    expect(text).not.toContain(previewToken);
    expect(text).not.toMatch(/eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9/);
    expect(text).not.toMatch(/\n\s+at /);
  }
}, 90_000);

describe('settings', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());
  const settings = (overrides: Record<string, string | undefined>) =>
    emulatorEnv(emulator, {
      VERCEL: undefined,
      AZURE_API_KEY: undefined,
      AZURE_AUTH: undefined,
      AZURE_FEDERATED_TOKEN_FILE: undefined,
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_CLIENT_ID: CLIENT_ID,
      ...overrides,
    });

  const healthOf = async () => {
    const answer = await health(new Request('http://localhost/api/health'));
    return { httpStatus: answer.status, ...(await answer.json()) };
  };

  test('health names Vercel OIDC', async () => {
    restore = useEnv(settings({ VERCEL: '1', VERCEL_OIDC_TOKEN: PRODUCTION_TOKEN }));
    expect(await healthOf()).toMatchObject({ httpStatus: 200, mode: 'azure', auth: 'entra (Vercel OIDC)' });
  });

  test('on Vercel, a client id without the token or the tenant is a configuration problem, not a managed identity', async () => {
    restore = useEnv(settings({ VERCEL: '1', VERCEL_OIDC_TOKEN: undefined }));
    expect(await healthOf()).toMatchObject({
      httpStatus: 503,
      mode: 'misconfigured',
      problems: [expect.stringMatching(/^VERCEL_OIDC_TOKEN is not set: .*OIDC Federation/)],
    });
    restore();
    restore = useEnv(settings({ VERCEL_OIDC_TOKEN: PRODUCTION_TOKEN, AZURE_TENANT_ID: undefined }));
    const answer = await healthOf();
    expect(answer).toMatchObject({ httpStatus: 503, mode: 'misconfigured', problems: [expect.stringMatching(/^AZURE_TENANT_ID is not set/)] });
    expect(JSON.stringify(answer)).not.toContain(PRODUCTION_TOKEN);
    restore();
    // Elsewhere a client id alone still names a user-assigned managed identity.
    restore = useEnv(settings({ VERCEL_OIDC_TOKEN: undefined }));
    expect(await healthOf()).toMatchObject({ httpStatus: 200, auth: 'entra (managed identity)' });
  });

  test('a refreshed token is read when it is needed, without rebuilding the config or keeping the token in it', () => {
    restore = useEnv(settings({ VERCEL_OIDC_TOKEN: PRODUCTION_TOKEN }));
    const config = getConfig();
    expect(vercelOidcToken()).toBe(PRODUCTION_TOKEN);
    const refreshed = vercelToken('production-refreshed');
    process.env.VERCEL_OIDC_TOKEN = refreshed;
    expect(vercelOidcToken()).toBe(refreshed);
    expect(getConfig()).toBe(config);
    expect(JSON.stringify(config)).not.toContain('eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9');
  });
});
