'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

export interface HorizontalOverflow {
  /** Content is hidden past the left edge. */
  left: boolean;
  /** Content is hidden past the right edge. */
  right: boolean;
}

/**
 * Which sides of a sideways-scrolling box hide content, kept current as it scrolls or resizes
 * (a table that grows while a reply streams, a phone turned sideways).
 */
export function useHorizontalOverflow<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [overflow, setOverflow] = useState<HorizontalOverflow>({ left: false, right: false });

  const measure = useCallback(() => {
    const box = ref.current;
    if (!box) return;
    // One pixel of slack: fractional widths can leave a sub-pixel "overflow" that cannot scroll.
    const left = box.scrollLeft > 1;
    const right = box.scrollLeft + box.clientWidth < box.scrollWidth - 1;
    setOverflow((current) => (current.left === left && current.right === right ? current : { left, right }));
  }, []);

  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    if (box.firstElementChild) observer.observe(box.firstElementChild);
    box.addEventListener('scroll', measure, { passive: true });
    return () => {
      observer.disconnect();
      box.removeEventListener('scroll', measure);
    };
  }, [measure]);

  return { ref, overflow };
}
