import type { ChatMessageMetadata } from '@/lib/chat/metadata';

/**
 * How a finished reply ended, in words, when that is worth telling the user; undefined for a
 * normal end. A reply with no finish reason never reached its end: stopped by the user, or cut
 * by an error or a reload (the wording fits all three; an error explains itself beside it).
 */
export function replyOutcomeLabel(metadata: ChatMessageMetadata | undefined): string | undefined {
  switch (metadata?.finishReason) {
    case 'stop':
    case 'tool-calls':
      return undefined;
    case 'content-filter':
      return 'Stopped by the content filter';
    case 'length':
      return 'Cut off at the length limit';
    case 'error':
      return 'Ended by an error';
    case undefined:
      return 'Incomplete reply';
    default:
      return 'Ended early';
  }
}

/** Token usage as a short, unobtrusive note, with the detail for a tooltip. */
export function usageNote(usage: ChatMessageMetadata['usage']): { short: string; detail: string } | undefined {
  if (!usage) return undefined;
  const total = usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  if (!total) return undefined;
  return {
    short: `${total.toLocaleString('en-US')} tokens`,
    detail: `${usage.inputTokens ?? '?'} in · ${usage.outputTokens ?? '?'} out`,
  };
}
