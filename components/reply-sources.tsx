import type { ReplySource } from '@/lib/client/reply-parts';

/** The pages and files a reply cites, under it: pages as links that open apart, files by name. */
export function ReplySources({ sources }: { sources: ReplySource[] }) {
  return (
    <section className="reply-sources" aria-label="Sources">
      <h3 className="reply-sources-title">Sources</h3>
      <ol>
        {sources.map((source) => (
          <li key={source.key}>
            {source.kind === 'link' ? (
              <a href={source.url} target="_blank" rel="noopener noreferrer">
                {source.label}
              </a>
            ) : (
              <span className="reply-source-document">{source.label}</span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
