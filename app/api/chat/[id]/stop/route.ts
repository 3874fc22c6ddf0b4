import { getConfig } from '@/lib/config';
import { stopActiveStream } from '@/lib/chat/active-streams';
import { readChatId } from '@/lib/chat/chat-id';
import { admit, corsHeaders, preflightResponse } from '@/lib/http/access';
import { errorResponse } from '@/lib/http/errors';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Stop: cancels the chat's reply in progress and its upstream request, on whichever instance
 * generates it. The text generated so far stays with the client (and in the resumable stream).
 */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const config = getConfig();
  const cors = corsHeaders(request, config);
  try {
    await admit(request, config);
    const stopped = await stopActiveStream(await readChatId(context.params), config);
    return Response.json({ stopped }, { headers: { ...cors, 'Cache-Control': 'no-store' } });
  } catch (error) {
    return errorResponse(error, cors);
  }
}

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const GET = methodNotAllowed(['POST', 'OPTIONS']);
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
