import { apiRoute } from '@/lib/http/api-route';
import { admitJsonBody, postOnly, startCountedChat } from '@/lib/protocols/intake';
import { chatCompletionsResponse } from '@/lib/protocols/openai-chat';
import { parseChatCompletionsRequest } from '@/lib/protocols/requests';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// As /api/chat: how long a serverless host (Vercel) lets a long reply run.
export const maxDuration = 300;

/** OpenAI's Chat Completions for the OpenAI SDKs: admit → limit → parse → stream → respond. */
export const POST = apiRoute(
  async (request, { config, cors, log }) => {
    const completion = parseChatCompletionsRequest(await admitJsonBody(request, config), config);
    const stream = await startCountedChat(request, completion.chat, config, log);
    return chatCompletionsResponse(stream, { request, headers: cors }, completion);
  },
  { dialect: 'openai' },
);

export const { OPTIONS, GET, PUT, PATCH, DELETE } = postOnly('openai');
