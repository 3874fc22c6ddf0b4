import type { HighlightOptions, HighlightResult } from 'streamdown';

/** Main thread → highlight worker: one block's code to highlight. */
export interface HighlightRequest {
  id: number;
  options: HighlightOptions;
}

/** Highlight worker → main thread: the tokens for a request, or why there are none. */
export type HighlightReply = { id: number; result: HighlightResult } | { id: number; error: string };
