'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * The conversation drawer of narrow screens. Opening it moves focus into it; Escape (or the
 * backdrop) closes it and gives focus back to its toggle, where the keyboard user left off.
 */
export function useDrawer() {
  const [open, setOpen] = useState(false);
  const drawerRef = useRef<HTMLElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);

  const close = useCallback(({ returnFocus = true }: { returnFocus?: boolean } = {}) => {
    setOpen(false);
    if (returnFocus) toggleRef.current?.focus();
  }, []);
  const toggle = useCallback(() => setOpen((value) => !value), []);

  useEffect(() => {
    if (!open) return;
    drawerRef.current?.querySelector<HTMLElement>('button, [href], input')?.focus();
    const onKeyDown = (event: KeyboardEvent) => {
      // The rename field uses Escape itself, to cancel the rename.
      if (event.key !== 'Escape' || (event.target as Element | null)?.closest('input')) return;
      // Captured before the chat's own Escape (stop the reply): this Escape only closes the drawer.
      event.stopPropagation();
      close();
    };
    document.addEventListener('keydown', onKeyDown, { capture: true });
    return () => document.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [open, close]);

  return { open, toggle, close, drawerRef, toggleRef };
}
