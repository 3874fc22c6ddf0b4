import type { UIMessage } from 'ai';

/** The visible text of a message: its text parts joined, as the user would copy it. */
export function messageText(message: UIMessage): string {
  return message.parts
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('')
    .trim();
}
