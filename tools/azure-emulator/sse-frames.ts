/** Server-sent events as the emulator writes them, one frame per event. */
import type { Json } from './types';

/** One server-sent event; `token` marks events that carry model output, which pacing and drops count. */
export interface Frame {
  data: string;
  token: boolean;
}

export const sse = (payload: Json | string, token = false): Frame => ({
  data: `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`,
  token,
});
// The Responses API names each event, like OpenAI's; the SDK reads only `data:` but other clients may not.
export const namedSse = (payload: Json, token = false): Frame => ({
  data: `event: ${String(payload.type)}\ndata: ${JSON.stringify(payload)}\n\n`,
  token,
});
