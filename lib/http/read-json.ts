import 'server-only';
import { HttpError } from './errors';

/**
 * Deeper than any request the API accepts (a message part is about 4 levels down). Without a
 * bound, a body of nested brackets passes JSON.parse but overflows the stack of every later
 * step that recurses over it (serialising it for Azure, for example): a 500 for bad input.
 */
const MAX_JSON_DEPTH = 64;

/** Walks the parsed body without recursion (so the check itself cannot overflow). */
function nestingExceeds(value: unknown, maxDepth: number): boolean {
  // Only objects and arrays are queued (most of a body is strings and numbers).
  if (value === null || typeof value !== 'object') return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) {
      if (child === null || typeof child !== 'object') continue;
      nodes.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

/**
 * Reads a JSON request body without trusting the client: wrong media type → 415, more than
 * `maxBytes` → 413 (checked on Content-Length and again while reading, so a lying or
 * chunked client cannot make the server buffer an unbounded body), malformed or nested deeper
 * than MAX_JSON_DEPTH → 400.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const contentType = request.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    throw new HttpError(415, 'unsupported_media_type', `Send the body as JSON with "Content-Type: application/json" (got "${mediaType || 'none'}").`);
  }

  const tooLarge = () => new HttpError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
  const declared = Number(request.headers.get('content-length'));
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) throw new HttpError(400, 'invalid_json', 'The request body is empty: send a JSON object.');

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }

  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new HttpError(400, 'invalid_json', 'The request body is empty: send a JSON object.');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (nestingExceeds(body, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'invalid_request', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return body;
}
