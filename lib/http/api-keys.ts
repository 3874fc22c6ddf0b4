import 'server-only';
import { createHash } from 'node:crypto';

/**
 * API keys (`CHAT_API_KEYS`): scripts and other services send `Authorization: Bearer <key>`.
 */

export function bearerToken(request: Request): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Compares every byte whatever the first difference, so timing does not reveal a prefix. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

/**
 * Constant-time key check: both sides are hashed first so lengths match, and every configured
 * key is compared, so neither the key length nor which key matched shows in the timing.
 */
export async function isConfiguredKey(token: string, keys: string[]): Promise<boolean> {
  const candidate = await sha256(token);
  let matched = false;
  for (const key of keys) {
    const isThis = equalBytes(candidate, await sha256(key));
    matched = matched || isThis;
  }
  return matched;
}

/**
 * The principal a key stands for: a hash prefix, so the key itself never reaches Redis, a log
 * or a stored record. Everyone holding the same key is the same principal.
 */
export function keyPrincipal(token: string): string {
  return `key:${createHash('sha256').update(`chat-api-key\n${token}`).digest('hex').slice(0, 32)}`;
}
