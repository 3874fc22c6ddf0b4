import { RegenerateIcon } from './icons';

/**
 * Why the last reply is missing or broken, in the server's words when it gave some, with the one
 * action that helps. An error is announced at once (alert); a reply that was merely stopped
 * before it began is not urgent (status).
 */
export function RetryNotice({ message, urgent, onRetry }: { message: string; urgent: boolean; onRetry: () => void }) {
  return (
    <div className="retry-notice" role={urgent ? 'alert' : 'status'} data-urgent={urgent || undefined}>
      <p>{message}</p>
      <button type="button" className="button" onClick={onRetry}>
        <RegenerateIcon /> Retry
      </button>
    </div>
  );
}
