import { RegenerateIcon } from './icons';

/**
 * Left under a question that never got its answer once the conversation has moved on, so the
 * failure stays visible (and in the server's words while the page still knows them). Retry asks
 * the same question again, as a new message at the end.
 */
export function FailedTurn({ reason, onRetry }: { reason: string; onRetry?: () => void }) {
  return (
    <div className="failed-turn">
      <span className="failed-turn-label">Failed</span>
      <span className="failed-turn-reason">{reason}</span>
      {onRetry && (
        <button type="button" className="button failed-turn-retry" aria-label="Retry this message" onClick={onRetry}>
          <RegenerateIcon /> Retry
        </button>
      )}
    </div>
  );
}
