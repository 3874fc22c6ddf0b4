import { WINDOW_MS } from '@/lib/http/rate-limit';

/**
 * Tests on the real clock count several requests in one rate-limit window (aligned to the clock
 * minute); starting just before a minute ends would split them across two windows. Waits for the
 * next window when that close.
 */
export async function awayFromWindowEdge(): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
