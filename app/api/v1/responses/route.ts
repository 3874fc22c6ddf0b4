import { apiRoute } from '@/lib/http/api-route';
import { admitJsonBody, postOnly, startCountedChat } from '@/lib/protocols/intake';
import { responsesResponse } from '@/lib/protocols/openai-responses';
import { parseResponsesRequest } from '@/lib/protocols/requests';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// As /api/chat: how long a serverless host (Vercel) lets a long reply run.
export const maxDuration = 300;

/** OpenAI's Responses API for the OpenAI SDKs: admit → limit → parse → stream → respond. */
export const POST = apiRoute(
  async (request, { config, cors, log }) => {
    const parsed = parseResponsesRequest(await admitJsonBody(request, config), config);
    const stream = await startCountedChat(request, parsed.chat, config, log);
    return responsesResponse(stream, { request, headers: cors }, { streaming: parsed.stream });
  },
  { dialect: 'openai' },
);

export const { OPTIONS, GET, PUT, PATCH, DELETE } = postOnly('openai');
