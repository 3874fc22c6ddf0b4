import { RemoteChatApp } from '@/components/remote-chat-app';

/** The chat page of the static export: the same app, its settings fetched from the API. */
export default function StaticPage() {
  return <RemoteChatApp />;
}
