import { createHash } from 'node:crypto';
import { getConfig, type AppConfig } from '@/lib/config';
import { bearerToken } from '@/lib/http/access';

/**
 * Who a request counts against for rate limiting.
 *
 * - `key:<hash>` when it carries a bearer API key: every caller sharing a key shares one budget
 *   wherever it connects from. Only the hash prefix is used, so the key never reaches Redis or
 *   logs. Tokens are ignored while `CHAT_API_KEYS` is empty: there they mean nothing, and
 *   honouring them would let anyone mint a fresh budget per request with a random token.
 *   (With keys configured, `authorize` has already rejected unknown ones before the limiter.)
 * - `ip:<address>` otherwise, from the header the hosting platform sets:
 *   - `x-forwarded-for` (first entry = the original client): Vercel overwrites it with the real
 *     client address; Azure App Service and Azure Front Door append to it, as do most proxies.
 *   - `x-real-ip`: Vercel, nginx-style proxies.
 *   - `x-azure-clientip`: Azure Front Door's client address, for setups that rewrite X-Forwarded-For.
 *   - `x-client-ip`: Azure App Service's front end.
 * - `ip:unknown` when none is present (e.g. local `next start` without a proxy): such requests
 *   share one budget, which errs on the side of limiting.
 *
 * Behind a platform that does not overwrite X-Forwarded-For, a client can choose its first entry
 * and so its bucket; per-IP limiting is a brake on casual abuse, and API keys are the control
 * that really identifies callers.
 */

const IP_HEADERS = ['x-forwarded-for', 'x-real-ip', 'x-azure-clientip', 'x-client-ip'] as const;

/** Longest textual IP address (IPv6 with embedded IPv4). Caps what a client can make us store. */
const MAX_IP_LENGTH = 45;

/** `1.2.3.4`, `1.2.3.4:5678` (Azure App Service adds ports), `[2001:db8::1]:443`, `2001:db8::1`. */
function normaliseAddress(raw: string): string | undefined {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  address = address.toLowerCase();
  if (address.length === 0 || address.length > MAX_IP_LENGTH) return undefined;
  // Only characters an IPv4/IPv6 address can contain; anything else is not an address.
  return /^[0-9a-f:.]+$/.test(address) && /[.:]/.test(address) ? address : undefined;
}

export function clientIdentity(request: Request, config: AppConfig = getConfig()): string {
  const token = bearerToken(request);
  if (token && config.chatApiKeys.length > 0) {
    return `key:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
  }
  for (const header of IP_HEADERS) {
    const value = request.headers.get(header);
    const address = value ? normaliseAddress(value.split(',')[0]) : undefined;
    if (address) return `ip:${address}`;
  }
  return 'ip:unknown';
}
