'use client';

import { useEffect, useState } from 'react';
import type { PublicConfig } from '@/lib/config';
import { chatApiOrigin } from '@/lib/config/browser';
import { ChatApp } from './chat-app';

/**
 * The chat page of the static export: there is no server rendering the page with its config,
 * so it asks the API's public `/api/health` (mode, deployments, problems; never a secret).
 */
export function RemoteChatApp() {
  const [config, setConfig] = useState<PublicConfig>();
  const [unreachable, setUnreachable] = useState(false);

  useEffect(() => {
    let cancelled = false;
    fetch(`${chatApiOrigin}/api/health`)
      .then((response) => response.json() as Promise<PublicConfig>)
      .then(
        (body) => !cancelled && setConfig(body),
        () => !cancelled && setUnreachable(true),
      );
    return () => {
      cancelled = true;
    };
  }, []);

  if (config) return <ChatApp config={config} />;
  if (unreachable) {
    return (
      <div className="config-problems" role="alert">
        <strong>The chat service cannot be reached.</strong> Check your connection and reload the page.
      </div>
    );
  }
  return <div className="app" aria-busy="true" />;
}
