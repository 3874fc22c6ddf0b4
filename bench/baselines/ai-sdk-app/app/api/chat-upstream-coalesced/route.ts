// Cut experiment: the getting-started route with the provider's fetch merging upstream text
// events (coalescingFetch), so every AI SDK layer after it handles fewer, larger deltas.
import { benchWindowMs, gettingStartedRoute } from '../../../lib/getting-started';

export const POST = gettingStartedRoute({ upstreamCoalesceMs: benchWindowMs(30) });
