// The load generator sends useChat-shaped messages; both hand-written baselines turn them into
// the Chat Completions shape the same way.
/** Accepts `{role, content}` messages and the useChat shape `{role, parts:[{type:'text',text}]}`. */
export function toChatMessages(messages) {
  return messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : (m.parts ?? [])
            .filter((p) => p.type === 'text')
            .map((p) => p.text)
            .join(''),
  }));
}
