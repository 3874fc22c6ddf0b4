'use client';

import { memo } from 'react';
import { Streamdown } from 'streamdown';
import { CODE_THEMES } from '@/lib/client/code-highlighting/themes';
import { code } from '@/lib/client/code-highlighting/worker-code-plugin';
import { ScrollableTable } from './scrollable-table';

// Module constants: Streamdown memoises on prop identity, so these must not be rebuilt per render.
const plugins = { code };
const controls = { code: { copy: true, download: false }, table: false, mermaid: false } as const;
const linkSafety = { enabled: false };
const components = { table: ScrollableTable };

/**
 * Markdown of a reply. Streamdown closes unfinished fences, lists and tables while text is still
 * arriving and re-renders only the last block, so a long reply stays cheap to update.
 */
export const Markdown = memo(function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <Streamdown
      className="markdown"
      plugins={plugins}
      controls={controls}
      linkSafety={linkSafety}
      components={components}
      shikiTheme={CODE_THEMES}
      isAnimating={streaming}
      caret="block"
      lineNumbers={false}
    >
      {text}
    </Streamdown>
  );
});
