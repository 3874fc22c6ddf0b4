import { connection } from 'next/server';
import { ChatApp } from '@/components/chat-app';
import { getPublicConfig } from '@/lib/config';

/**
 * The chat page. Rendered per request (not at build time) so the same build serves the demo
 * model or Azure depending on the environment it starts in.
 */
export default async function Page() {
  await connection();
  return <ChatApp config={getPublicConfig()} />;
}
