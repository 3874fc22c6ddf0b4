/**
 * Who a request counts against, end to end: the production server entry appends the socket
 * address to X-Forwarded-For, and the app takes the entry TRUSTED_PROXY_HOPS places from the
 * right. A client that rotates a spoofed X-Forwarded-For must still spend one budget, whether it
 * talks to the server directly (0 hops) or through a reverse proxy of the operator's (1 hop:
 * nginx as tutorials set it up, appending the address it saw).
 */
import { awayFromWindowEdge } from '../support/rate-limit-window';
import { startAppServer, type RunningAppServer } from './support/app-server';
import { STOCK_NGINX_SITE, startNginx, type ReverseProxy } from './support/reverse-proxy';

jest.setTimeout(120_000);

const LIMIT = 3;

/** Sends LIMIT + 1 chats, each claiming another client address; returns their statuses. */
async function spoofedBurst(url: string): Promise<number[]> {
  await awayFromWindowEdge();
  const statuses: number[] = [];
  for (let i = 1; i <= LIMIT + 1; i++) {
    const response = await fetch(`${url}/api/chat?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.0.${i}` },
      body: JSON.stringify({ message: 'Hi' }),
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}

const settings = (hops: number) => ({
  RATE_LIMIT_PER_MINUTE: String(LIMIT),
  TRUSTED_PROXY_HOPS: String(hops),
  DEMO_TOKENS_PER_SECOND: '5000',
});

describe('no proxy in front (TRUSTED_PROXY_HOPS=0)', () => {
  let app: RunningAppServer;
  beforeAll(async () => {
    app = await startAppServer(settings(0));
  });
  afterAll(() => app?.stop());

  test('a rotated X-Forwarded-For does not buy a fresh budget: the socket address is the client', async () => {
    expect(await spoofedBurst(app.url)).toEqual([200, 200, 200, 429]);
  });
});

describe('behind nginx (TRUSTED_PROXY_HOPS=1)', () => {
  let app: RunningAppServer;
  let proxy: ReverseProxy;
  beforeAll(async () => {
    app = await startAppServer(settings(1));
    proxy = await startNginx(STOCK_NGINX_SITE, new URL(app.url).host);
  });
  afterAll(async () => {
    await proxy?.stop();
    await app?.stop();
  });

  test('the address nginx saw is the client, not what the client wrote before it', async () => {
    expect(await spoofedBurst(proxy.url)).toEqual([200, 200, 200, 429]);
  });
});
