import { apiRoute } from '@/lib/http/api-route';
import { admitJsonBody, postOnly, startCountedChat } from '@/lib/protocols/intake';
import { responsesResponse } from '@/lib/protocols/openai-responses';
import { parseResponsesRequest } from '@/lib/protocols/requests';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// As /api/chat: how long a serverless host (Vercel) lets a long reply run.
export const maxDuration = 300;

/**
 * The Express tutorial's relay (`{ "input" }` → the Responses event stream, ending with
 * `event: done`), so its clients work with only the host changed. Always streams, as it did.
 */
export const POST = apiRoute(
  async (request, { config, cors, log }) => {
    const parsed = parseResponsesRequest(await admitJsonBody(request, config), config);
    const stream = await startCountedChat(request, parsed.chat, config, log);
    return responsesResponse(stream, { request, headers: cors }, { streaming: true, doneEvent: true });
  },
  { dialect: 'tutorial' },
);

export const { OPTIONS, GET, PUT, PATCH, DELETE } = postOnly('tutorial');
