// Cut experiment: the getting-started route on `experimental_streamTextLowMemory` (same engine,
// no replay buffer), optionally with upstream coalescing (BENCH_COALESCE_MS; 0 = off).
import { benchWindowMs, gettingStartedRoute } from '../../../lib/getting-started';

export const POST = gettingStartedRoute({ lowMemory: true, upstreamCoalesceMs: benchWindowMs(0) });
