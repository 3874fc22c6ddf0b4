import { getToolName, isToolUIPart, type UIMessage } from 'ai';

export type ReplySource = { kind: 'link'; key: string; url: string; label: string } | { kind: 'document'; key: string; label: string };

/** A link only to a web page: a citation's URL comes from the model's tools, so javascript:, data: and the like are shown as text. */
function webUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The citations of a reply (web pages and files its tools consulted), once each, in the order
 * they came. A file is named, never linked: its id points into the operator's Azure storage.
 */
export function replySources(message: UIMessage): ReplySource[] {
  const sources: ReplySource[] = [];
  const seen = new Set<string>();
  for (const part of message.parts) {
    if (part.type === 'source-url') {
      const url = webUrl(part.url);
      const label = part.title?.trim() || (url ? new URL(url).hostname : part.url);
      const identity = url ?? label;
      if (seen.has(identity)) continue;
      seen.add(identity);
      sources.push(url ? { kind: 'link', key: part.sourceId, url, label } : { kind: 'document', key: part.sourceId, label });
    } else if (part.type === 'source-document') {
      const label = part.filename?.trim() || part.title.trim();
      if (seen.has(`file:${label}`)) continue;
      seen.add(`file:${label}`);
      sources.push({ kind: 'document', key: part.sourceId, label });
    }
  }
  return sources;
}

/** The names of the tools a reply called, once each. */
export function calledTools(message: UIMessage): string[] {
  return [...new Set(message.parts.filter(isToolUIPart).map(getToolName))];
}
