'use client';

import type { ComponentProps } from 'react';
import { useHorizontalOverflow } from '@/hooks/use-horizontal-overflow';

/**
 * A markdown table that may be wider than the screen. It scrolls sideways inside its frame;
 * while columns are hidden, the edge fades and a hint says so, and the frame takes keyboard
 * focus so arrow keys scroll it too.
 */
export function ScrollableTable({ className, children }: ComponentProps<'table'>) {
  const { ref, overflow } = useHorizontalOverflow<HTMLDivElement>();
  const scrolls = overflow.left || overflow.right;
  return (
    <div className="table-frame" data-more-left={overflow.left || undefined} data-more-right={overflow.right || undefined}>
      <div
        ref={ref}
        className="table-scroll"
        // Focusable only when there is something to scroll to, so a narrow table adds no tab stop.
        tabIndex={scrolls ? 0 : undefined}
        role={scrolls ? 'region' : undefined}
        aria-label={scrolls ? 'Table, scrolls sideways' : undefined}
      >
        <table className={className} data-streamdown="table">
          {children}
        </table>
      </div>
      {scrolls && (
        <p className="table-hint" aria-hidden="true">
          Scroll sideways for more columns →
        </p>
      )}
    </div>
  );
}
