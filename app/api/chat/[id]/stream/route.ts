import { UI_MESSAGE_STREAM_HEADERS } from 'ai';
import { getConfig } from '@/lib/config';
import { activeStreamId } from '@/lib/chat/active-streams';
import { readChatId } from '@/lib/chat/chat-id';
import { STREAMING_HEADERS } from '@/lib/chat/respond';
import { admit, corsHeaders, preflightResponse } from '@/lib/http/access';
import { errorResponse } from '@/lib/http/errors';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { getResumableStreamContext } from '@/lib/storage/pubsub';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Resumes the chat's reply in progress (`useChat({ resume: true })` calls this on load):
 * the whole reply so far, then the rest as it is generated. 204 when nothing is running.
 */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const config = getConfig();
  const cors = corsHeaders(request, config);
  try {
    await admit(request, config);
    const streamId = await activeStreamId(await readChatId(context.params), config);
    const resumed = streamId && (await getResumableStreamContext(config).resumeExistingStream(streamId));
    if (!resumed) return new Response(null, { status: 204, headers: cors });
    return new Response(resumed.pipeThrough(new TextEncoderStream()), {
      headers: { ...UI_MESSAGE_STREAM_HEADERS, ...STREAMING_HEADERS, ...cors },
    });
  } catch (error) {
    return errorResponse(error, cors);
  }
}

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const POST = methodNotAllowed(['GET', 'OPTIONS']);
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
