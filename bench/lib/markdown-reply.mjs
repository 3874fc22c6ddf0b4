// The browser benchmark's reply: a deterministic Markdown answer with headings, lists, inline
// code and fenced code blocks, cut into exactly `count` tokens the way a model streams them
// (a word with its leading space, newlines attached to the token that follows them).
// The last token is a sentinel so the benchmark can tell when the reply is fully on screen.
export const SENTINEL = 'BENCH_REPLY_END';

const prose = [
  'Streaming keeps the first words on screen while the rest of the answer is still being written,',
  'so the reader starts early and the server holds each connection open for the whole reply.',
  'Every token costs a little work on both sides: parsing, encoding, a socket write, a state update and a render.',
  'Batching those updates into frames keeps the page responsive without making the text feel slower.',
];

const code = [
  '```ts',
  "import { streamText } from 'ai';",
  '',
  'export async function POST(req: Request) {',
  '  const { messages } = await req.json();',
  '  const result = streamText({ model, messages });',
  '  for await (const part of result.textStream) {',
  "    if (part.length > 0) console.log('delta', part.length);",
  '  }',
  '  return new Response(null, { status: 204 });',
  '}',
  '```',
];

function section(i) {
  return [
    `## Step ${i + 1}: measure before you cut`,
    '',
    `${prose[i % prose.length]} ${prose[(i + 1) % prose.length]}`,
    '',
    `- Keep the \`text-delta\` protocol so **useChat** keeps working (item ${i + 1}).`,
    '- Coalesce deltas into frames; a reader sees ~30 updates a second at most.',
    '- Memoise finished Markdown blocks so only the last one re-renders.',
    '',
    ...code,
    '',
    `${prose[(i + 2) % prose.length]} ${prose[(i + 3) % prose.length]}`,
    '',
  ].join('\n');
}

/** Splits text into model-like tokens: "word", " word", "\n\nword". */
function tokenize(text) {
  return text.match(/\s*\S+/g) ?? [];
}

export function markdownTokens(count = 2000) {
  const tokens = [];
  for (let i = 0; tokens.length < count - 1; i++) tokens.push(...tokenize(section(i)));
  tokens.length = count - 1;
  // Close an open code fence so the reply is valid Markdown, then the sentinel.
  const fences = tokens.filter((t) => t.trim().startsWith('```')).length;
  if (fences % 2 === 1) tokens[tokens.length - 1] = '\n```';
  tokens.push(`\n\n${SENTINEL}`);
  return tokens;
}
