// Cut experiment: the getting-started route plus the project's server-side delta coalescer
// (lib/chat/coalesce-deltas.ts) between the UI message stream and the SSE response.
import { benchWindowMs, gettingStartedRoute } from '../../../lib/getting-started';

export const POST = gettingStartedRoute({ uiCoalesceMs: benchWindowMs(30) });
