/**
 * Calls the real `/api/chat` route handler once, in a process of its own (`npx tsx`), and prints
 * the answer as one line `RESULT {"status","body"}` on stderr (stdout carries the server log).
 * For settings Node reads only at process start, such as NODE_EXTRA_CA_CERTS.
 */
import { POST } from '@/app/api/chat/route';

async function main() {
  const response = await POST(
    new Request('http://localhost/api/chat?format=json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi' }),
    }),
  );
  process.stderr.write(`RESULT ${JSON.stringify({ status: response.status, body: await response.text() })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`FAILED ${String(error)}\n`);
    process.exit(1);
  },
);
