import { RegenerateIcon } from './icons';

/** Why the last reply failed, in the server's words, with the one action that helps. */
export function ReplyError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="reply-error" role="alert">
      <p>{message}</p>
      <button type="button" className="button" onClick={onRetry}>
        <RegenerateIcon /> Retry
      </button>
    </div>
  );
}
