import 'server-only';
import { getConfig, type AppConfig } from '@/lib/config';
import { bearerToken, keyPrincipal } from './api-keys';

/**
 * Who a request counts against for rate limits and the cap on replies in flight.
 *
 * - `key:<hash>` when it carries a bearer API key (only when `CHAT_API_KEYS` is set: in open
 *   mode a token means nothing, and honouring it would let anyone mint a fresh budget per
 *   request; with keys set, `authorize` has already refused unknown ones).
 * - `ip:<address>` otherwise, never from a header the client chooses. The server entry appends
 *   each connection's socket address to `X-Forwarded-For`, as every reverse proxy does, so the
 *   entries a client wrote itself are always to the left of the ones that were appended. The
 *   client is the entry `TRUSTED_PROXY_HOPS` places from the right: 0 (direct, or Vercel, which
 *   replaces the header with the client address) takes the last entry; N takes the address
 *   the outermost of one's own N proxies saw. Other client-address headers (X-Real-IP,
 *   X-Client-IP, X-Azure-ClientIP) are not read: without a proxy that sets them, a client does.
 * - `ip:unknown` when the header has no usable entry there; such requests share one budget,
 *   which errs on the side of limiting.
 */

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

/** The `X-Forwarded-For` entry `hops` places from the right. */
function forwardedAddress(request: Request, hops: number): string | undefined {
  const entries = (request.headers.get('x-forwarded-for') ?? '').split(',');
  const entry = entries.length - 1 - hops >= 0 ? entries[entries.length - 1 - hops] : undefined;
  return entry === undefined ? undefined : normaliseAddress(entry);
}

export function clientIdentity(request: Request, config: AppConfig = getConfig()): string {
  const token = bearerToken(request);
  if (token && config.chatApiKeys.length > 0) return keyPrincipal(token);
  return `ip:${forwardedAddress(request, config.trustedProxyHops) ?? 'unknown'}`;
}
