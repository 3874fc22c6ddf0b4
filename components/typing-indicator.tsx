/** Shown in place of the reply until its first token arrives; sized like one line of text. */
export function TypingIndicator() {
  return (
    <div className="message message-assistant typing-indicator" aria-hidden="true">
      <span />
      <span />
      <span />
    </div>
  );
}
