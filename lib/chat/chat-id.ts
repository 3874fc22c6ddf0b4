import 'server-only';
import { z } from 'zod';
import { HttpError } from '@/lib/http/errors';

/** Chat ids come from the client (`useChat` generates them); keep them short and plain. */
const chatIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/);

export async function readChatId(params: Promise<{ id: string }>): Promise<string> {
  const { id } = await params;
  const parsed = chatIdSchema.safeParse(id);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', 'The chat id must be 1–200 letters, digits, "-" or "_".');
  }
  return parsed.data;
}
