// Baseline 3: the AI SDK getting-started route, as the docs write it (lib/getting-started.ts).
import { gettingStartedRoute } from '../../../lib/getting-started';

export const POST = gettingStartedRoute();
