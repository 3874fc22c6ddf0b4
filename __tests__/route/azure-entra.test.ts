import { GET as health } from '@/app/api/health/route';
import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readUiStream, useEnv } from '../support/chat-client';
import { captureLogs, type CapturedLogs } from '../support/log-capture';
import { startManagedIdentityEndpoint, type ManagedIdentityEndpoint } from '../support/managed-identity-endpoint';

/**
 * Keyless sign-in: with no AZURE_API_KEY (or AZURE_AUTH=entra) the server gets Microsoft Entra
 * ID tokens from the platform's managed identity, here a loopback endpoint speaking the App
 * Service / Container Apps protocol, and the emulator accepts only the tokens it issued, so a
 * reply proves the whole chain. Tokens are cached, refreshed before they expire, and never
 * shown; an identity that fails is a 503 that says what to check.
 */

const USER_ASSIGNED_ID = '6f1c1a5e-0000-4000-8000-00000000c1d1';
const TOKEN_SHAPE = /eyJ0eXAiOiJKV1QifQ\.[\w-]+/;
let emulator: AzureEmulator;
let identity: ManagedIdentityEndpoint;
let logs: CapturedLogs;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ bearerTokens: true });
  identity = await startManagedIdentityEndpoint(emulator, { clientId: USER_ASSIGNED_ID });
});
afterAll(async () => {
  await identity.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
  identity.requests.length = 0;
  identity.tokenLifetimeSeconds = 3600;
  identity.failWith = undefined;
  logs = captureLogs();
});
afterEach(() => {
  logs.restore();
  restore?.();
});

/** Keyless settings: the emulator as the resource, the identity endpoint as the platform's. */
function entraEnv(overrides: Record<string, string | undefined> = {}) {
  return emulatorEnv(emulator, {
    AZURE_API_KEY: undefined,
    AZURE_AUTH: undefined,
    AZURE_CLIENT_ID: undefined,
    AZURE_TENANT_ID: undefined,
    AZURE_FEDERATED_TOKEN_FILE: undefined,
    ...identity.env,
    ...overrides,
  });
}

const chat = async () => {
  const response = await postChat({ message: 'hi' });
  expect(response.status).toBe(200);
  return readUiStream(response);
};
const tokensSentToAzure = () => emulator.requests.map((request) => request.headers.authorization?.replace(/^Bearer /, ''));

test('with no key, the server signs in with the managed identity (DefaultAzureCredential) and health says so', async () => {
  restore = useEnv(entraEnv());
  const healthAnswer = await health(new Request('http://localhost/api/health'));
  expect(await healthAnswer.json()).toMatchObject({ status: 'ok', mode: 'azure', auth: 'entra (DefaultAzureCredential)' });

  expect((await chat()).text).toBe('w1 w2 w3 w4 w5');
  expect(identity.requests).toEqual([expect.objectContaining({ resource: 'https://cognitiveservices.azure.com', clientId: null })]);
  expect(tokensSentToAzure()).toEqual([identity.requests[0].token]);
  expect(emulator.requests[0].headers['api-key']).toBeUndefined();
});

test('AZURE_CLIENT_ID picks that user-assigned identity; its token is cached, then refreshed before it expires', async () => {
  restore = useEnv(entraEnv({ AZURE_CLIENT_ID: USER_ASSIGNED_ID, AZURE_AUTH: 'entra' }));
  expect(await (await health(new Request('http://localhost/api/health'))).json()).toMatchObject({ auth: 'entra (managed identity)' });
  // The token provider refreshes tokens two minutes before they expire: this one is due in 5 s.
  identity.tokenLifetimeSeconds = 125;
  await chat();
  await chat();
  expect(identity.requests).toHaveLength(1);
  expect(identity.requests[0].clientId).toBe(USER_ASSIGNED_ID);
  const first = identity.requests[0].token;

  await new Promise((resolve) => setTimeout(resolve, 6_000));
  // Still valid: used at once while a new one is fetched in the background.
  await chat();
  const deadline = Date.now() + 10_000;
  while (identity.requests.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(identity.requests).toHaveLength(2);
  await chat();
  const second = identity.requests[1].token;
  expect(second).not.toBe(first);
  // Every request reached Azure with a valid token (the emulator refuses expired ones).
  expect(tokensSentToAzure()).toEqual([first, first, first, second]);
}, 30_000);

test('an identity that fails: 503 naming what to check, no token or stack in the answer or the log', async () => {
  restore = useEnv(entraEnv({ AZURE_CLIENT_ID: USER_ASSIGNED_ID }));
  identity.failWith = 400;
  const response = await postChat({ message: 'hi' });
  expect(response.status).toBe(503);
  const text = await response.text();
  const { error } = JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
  expect(error.code).toBe('identity_unavailable');
  expect(error.message).toMatch(/Entra ID token/);
  expect(error.message).toContain('AZURE_CLIENT_ID');
  expect(error.message).toContain('IDENTITY_ENDPOINT');
  expect(text).not.toMatch(/\n\s+at |node_modules/);
  expect(emulator.counters.requests).toBe(0);

  const line = await logs.waitForLine((entry) => entry.requestId === error.requestId);
  expect(line).toMatchObject({
    level: 'error',
    status: 503,
    errorCode: 'identity_unavailable',
    error: { name: 'AzureIdentityError', reason: expect.any(String) },
  });
  expect(line.err).toBeUndefined();
  expect(logs.text()).not.toMatch(/\n\s+at |"stack"/);

  // Once the identity works again, so does the chat; the token it got is in no log line.
  identity.failWith = undefined;
  await chat();
  expect(logs.text()).not.toMatch(TOKEN_SHAPE);
  expect(logs.text()).not.toContain(identity.env.IDENTITY_HEADER);
});

test('AZURE_AUTH=key without a key is still a configuration problem that names the variable', async () => {
  restore = useEnv(entraEnv({ AZURE_AUTH: 'key' }));
  const answer = await health(new Request('http://localhost/api/health'));
  expect(answer.status).toBe(503);
  expect(JSON.stringify(await answer.json())).toContain('AZURE_API_KEY is not set');
});
