import { postOnly } from '@/lib/protocols/intake';
import { responsesRoute } from '@/lib/protocols/openai-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// As /api/chat: how long a serverless host (Vercel) lets a long reply run.
export const maxDuration = 300;

/** The Express tutorial's relay (`{ "input" }` → the Responses event stream), so its clients work with only the host changed. */
export const POST = responsesRoute('tutorial');

export const { OPTIONS, GET, PUT, PATCH, DELETE } = postOnly('tutorial');
