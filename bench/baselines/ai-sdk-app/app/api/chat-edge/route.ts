// Cut experiment "Node vs edge runtime under next start": the getting-started route, with
// `runtime = 'edge'` (Next runs it in its edge sandbox inside the same Node process).
import { gettingStartedRoute } from '../../../lib/getting-started';

export const POST = gettingStartedRoute();
export const runtime = 'edge';
