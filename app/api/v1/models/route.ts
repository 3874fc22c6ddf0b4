import { admit, preflightResponse } from '@/lib/http/access';
import { apiRoute } from '@/lib/http/api-route';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { jsonAnswer } from '@/lib/protocols/delivery';
import { modelList } from '@/lib/protocols/openai-models';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The models an OpenAI SDK may name: the configured deployments, or the offline demo. */
export const GET = apiRoute(
  async (request, { config, cors }) => {
    await admit(request, config);
    return jsonAnswer(modelList(config), cors);
  },
  { dialect: 'openai' },
);

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const POST = methodNotAllowed(['GET', 'OPTIONS'], 'openai');
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
