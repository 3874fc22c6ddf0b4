/**
 * Calls the real `/api/chat` route handler once, in a process of its own (`npx tsx`), and prints
 * the answer as one line `RESULT {"status","body"}` on stderr (stdout carries the server log).
 * For settings Node reads only at process start, such as NODE_EXTRA_CA_CERTS. Each argument
 * `NAME=value` then sets that variable in the running process and chats again (one more RESULT
 * line), as a platform that replaces a variable while an instance runs would.
 */
import { POST } from '@/app/api/chat/route';

async function chat() {
  const response = await POST(
    new Request('http://localhost/api/chat?format=json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi' }),
    }),
  );
  process.stderr.write(`RESULT ${JSON.stringify({ status: response.status, body: await response.text() })}\n`);
}

async function main() {
  await chat();
  for (const assignment of process.argv.slice(2)) {
    const [name, ...value] = assignment.split('=');
    process.env[name] = value.join('=');
    await chat();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`FAILED ${String(error)}\n`);
    process.exit(1);
  },
);
