import { apiRoute } from '@/lib/http/api-route';
import { admitJsonBody, postOnly, startCountedChat } from '@/lib/protocols/intake';
import { parseTutorialRequest } from '@/lib/protocols/requests';
import { tutorialResponse } from '@/lib/protocols/tutorial';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// As /api/chat: how long a serverless host (Vercel) lets a long reply run.
export const maxDuration = 300;

/** The streaming guide's Flask/FastAPI endpoint: `{ "messages" }` → `data: {"content"}` events. */
export const POST = apiRoute(
  async (request, { config, cors, log }) => {
    const { shape, chat } = parseTutorialRequest(await admitJsonBody(request, config), config, 'messages-sse');
    const stream = await startCountedChat(request, chat, config, log);
    return tutorialResponse(stream, { request, headers: cors }, shape);
  },
  { dialect: 'tutorial' },
);

export const { OPTIONS, GET, PUT, PATCH, DELETE } = postOnly('tutorial');
