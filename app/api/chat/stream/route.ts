import { apiRoute } from '@/lib/http/api-route';
import { admitJsonBody, postOnly, startCountedChat } from '@/lib/protocols/intake';
import { parseTutorialRequest } from '@/lib/protocols/requests';
import { tutorialResponse } from '@/lib/protocols/tutorial';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// As /api/chat: how long a serverless host (Vercel) lets a long reply run.
export const maxDuration = 300;

/**
 * Two tutorials' clients at one path, told apart by the body: `{ "messages": [...] }` gets the
 * streaming guide's `{"content"}` events, `{ "message" }` the Express tutorial's plain text.
 */
export const POST = apiRoute(
  async (request, { config, cors, log }) => {
    const { shape, chat } = parseTutorialRequest(await admitJsonBody(request, config), config);
    const stream = await startCountedChat(request, chat, config, log);
    return tutorialResponse(stream, { request, headers: cors }, shape);
  },
  { dialect: 'tutorial' },
);

export const { OPTIONS, GET, PUT, PATCH, DELETE } = postOnly('tutorial');
