import { postOnly } from '@/lib/protocols/intake';
import { responsesRoute } from '@/lib/protocols/openai-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// As /api/chat: how long a serverless host (Vercel) lets a long reply run.
export const maxDuration = 300;

/** OpenAI's Responses API, for the OpenAI SDKs. */
export const POST = responsesRoute('openai');

export const { OPTIONS, GET, PUT, PATCH, DELETE } = postOnly('openai');
