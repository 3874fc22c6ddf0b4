import type { InferUIMessageChunk, UIMessage } from 'ai';
import { z } from 'zod';

/**
 * What the server attaches to each assistant message on the stream (`message.metadata`):
 * the model at the start; finish reason and token usage at the end. Shared by the route,
 * the page and other clients, so both sides agree on one shape.
 */
export const chatMessageMetadataSchema = z.object({
  model: z.string().optional(),
  createdAt: z.number().optional(),
  finishReason: z.enum(['stop', 'length', 'content-filter', 'tool-calls', 'error', 'interrupted', 'other']).optional(),
  usage: z
    .object({
      inputTokens: z.number().optional(),
      outputTokens: z.number().optional(),
      totalTokens: z.number().optional(),
    })
    .optional(),
});

export type ChatMessageMetadata = z.infer<typeof chatMessageMetadataSchema>;

export type ChatMessage = UIMessage<ChatMessageMetadata>;

/** One chunk of a reply's AI SDK UI message stream. */
export type ChatChunk = InferUIMessageChunk<ChatMessage>;
