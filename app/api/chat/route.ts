import { getConfig } from '@/lib/config';
import { parseChatRequest } from '@/lib/chat/request';
import { negotiateFormat, respond } from '@/lib/chat/respond';
import { startChatStream } from '@/lib/chat/stream';
import { errorResponse } from '@/lib/http/errors';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { readJsonBody } from '@/lib/http/read-json';

// Node, not edge: resumable streams and shared rate limits keep state in-process or in Redis
// over TCP, which the edge runtime cannot do.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  const config = getConfig();
  try {
    const body = await readJsonBody(request, config.limits.maxBodyBytes);
    const chat = await parseChatRequest(body, config);
    const format = negotiateFormat(request, chat);
    const stream = await startChatStream(chat, config);
    // A caller that hangs up is not charged for tokens nobody will read.
    request.signal.addEventListener('abort', () => stream.abort(request.signal.reason), { once: true });
    return await respond(format, stream);
  } catch (error) {
    return errorResponse(error);
  }
}

export const GET = methodNotAllowed(['POST']);
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
