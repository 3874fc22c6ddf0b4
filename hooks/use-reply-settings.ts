'use client';

import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { TEMPERATURE } from '@/lib/chat/temperature';
import type { PublicConfig } from '@/lib/config';
import { parseReplySettings, rememberReplySettings, storedReplySettings, subscribeToReplySettings } from '@/lib/client/browser-preferences';
import { ChatConnection } from '@/lib/client/chat-connection';

/** The server's page has no access to this browser's choice: it renders with the defaults. */
const nothingStored = () => null;

/**
 * The model and temperature the user chose, remembered in this browser, and the page's one
 * connection to the chat API, which sends them with each request.
 */
export function useReplySettings({ deployments, defaultDeployment }: Pick<PublicConfig, 'deployments' | 'defaultDeployment'>) {
  const stored = useSyncExternalStore(subscribeToReplySettings, storedReplySettings, nothingStored);
  const settings = useMemo(
    () => parseReplySettings(stored, deployments, { model: defaultDeployment, temperature: TEMPERATURE.initial }),
    [stored, deployments, defaultDeployment],
  );
  // One connection for the page's lifetime; requests read the settings it holds when they leave.
  const [connection] = useState(() => new ChatConnection({ settings }));
  useEffect(() => {
    connection.applySettings(settings);
  }, [connection, settings]);

  return { settings, changeSettings: rememberReplySettings, connection };
}
