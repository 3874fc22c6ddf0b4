'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/** How close to the end still counts as "at the bottom" (px): sub-line offsets must not unstick. */
const BOTTOM_SLACK_PX = 48;

/**
 * Keeps a scroll container pinned to its end while its content grows, as long as the user is
 * at the bottom; scrolling up releases it, and `jumpToLatest` pins it again.
 */
export function useFollowScroll() {
  const scrollerRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  // A ref for the observers (no re-render per frame), state for the "jump to latest" button.
  const followingRef = useRef(true);
  const [following, setFollowing] = useState(true);

  const setFollow = useCallback((value: boolean) => {
    if (followingRef.current === value) return;
    followingRef.current = value;
    setFollowing(value);
  }, []);

  useEffect(() => {
    const scroller = scrollerRef.current;
    const content = contentRef.current;
    if (!scroller || !content) return;

    const isAtBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= BOTTOM_SLACK_PX;
    const onScroll = () => setFollow(isAtBottom());
    // A wheel turn upwards is intent even before the scroll position moves, so a growing reply
    // cannot snap the view back down between the wheel and the scroll event.
    const onWheel = (event: WheelEvent) => {
      if (event.deltaY < 0) setFollow(false);
    };
    scroller.addEventListener('scroll', onScroll, { passive: true });
    scroller.addEventListener('wheel', onWheel, { passive: true });

    const observer =
      typeof ResizeObserver === 'undefined'
        ? undefined
        : new ResizeObserver(() => {
            if (followingRef.current) scroller.scrollTop = scroller.scrollHeight;
          });
    observer?.observe(content);
    observer?.observe(scroller);

    return () => {
      scroller.removeEventListener('scroll', onScroll);
      scroller.removeEventListener('wheel', onWheel);
      observer?.disconnect();
    };
  }, [setFollow]);

  const jumpToLatest = useCallback(() => {
    const scroller = scrollerRef.current;
    setFollow(true);
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  }, [setFollow]);

  return { scrollerRef, contentRef, following, jumpToLatest };
}
