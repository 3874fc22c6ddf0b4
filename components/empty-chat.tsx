const suggestions = [
  'Explain how token streaming works, with a short code example',
  'Compare REST and GraphQL in a table',
  'Give me three tips for writing clear commit messages',
];

/** The first screen of a new chat: what this is, and a few prompts to start from. */
export function EmptyChat({ onPick }: { onPick: (prompt: string) => void }) {
  return (
    <div className="empty-chat">
      <h2>How can I help?</h2>
      <p>Replies stream in as they are written. Press Enter to send, Shift+Enter for a new line.</p>
      <ul className="suggestions" aria-label="Suggestions">
        {suggestions.map((prompt) => (
          <li key={prompt}>
            <button type="button" className="suggestion" onClick={() => onPick(prompt)}>
              {prompt}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
