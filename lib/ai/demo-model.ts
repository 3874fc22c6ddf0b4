import 'server-only';
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4FinishReason,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { DEMO_MODEL_ID } from '@/lib/config';

/**
 * The offline demo model: a real AI SDK language model that needs no network and no keys,
 * so a fresh clone shows a working streaming chat. Its reply is deterministic Markdown that
 * exercises the renderer (a quote, a list, a table, a fenced code block) and is paced like a
 * real model so the page's progressive rendering is visible.
 */

const QUOTE_LIMIT = 280;

function lastUserText(prompt: LanguageModelV4Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i];
    if (message.role !== 'user') continue;
    return message.content
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join(' ')
      .trim();
  }
  return '';
}

function quote(text: string): string {
  const shortened = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
  return (shortened || '(an empty message)')
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/** The whole reply for a prompt; exported so tests can compare against what was streamed. */
function demoReply(prompt: LanguageModelV4Prompt): string {
  return `You said:

${quote(lastUserText(prompt))}

This answer comes from the **offline demo model**: it runs inside this server, with no network and no API key, so you can try the chat before connecting Azure OpenAI.

To answer with Azure OpenAI instead:

1. Set \`AZURE_RESOURCE_NAME\` (or \`AZURE_BASE_URL\`) to your resource.
2. Set \`AZURE_API_KEY\` to its key.
3. Set \`AZURE_DEPLOYMENTS\` to your deployment names, comma-separated.
4. Restart the server.

For example:

\`\`\`bash
AZURE_RESOURCE_NAME=my-resource \\
AZURE_API_KEY=<your key> \\
AZURE_DEPLOYMENTS=gpt-4o-mini \\
npm run dev
\`\`\`

| Variable | Required | Example |
| --- | --- | --- |
| \`AZURE_RESOURCE_NAME\` | yes (or \`AZURE_BASE_URL\`) | \`my-resource\` |
| \`AZURE_API_KEY\` | yes | from the Azure portal |
| \`AZURE_DEPLOYMENTS\` | yes | \`gpt-4o-mini,gpt-4.1\` |

Everything else, Stop, Regenerate and your saved chats, works the same with either model.`;
}

/** Splits text into word-sized tokens that keep their whitespace, so joining them is lossless. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function countWords(prompt: LanguageModelV4Prompt): number {
  let words = 0;
  for (const message of prompt) {
    const texts =
      typeof message.content === 'string'
        ? [message.content]
        : message.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : ''));
    for (const text of texts) words += tokenize(text).length;
  }
  return words;
}

function usage(inputTokens: number, outputTokens: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
  };
}

function plan(options: LanguageModelV4CallOptions) {
  const tokens = tokenize(demoReply(options.prompt));
  const cap = options.maxOutputTokens ?? Infinity;
  const sent = tokens.slice(0, cap);
  const finishReason: LanguageModelV4FinishReason =
    sent.length < tokens.length ? { unified: 'length', raw: 'length' } : { unified: 'stop', raw: 'stop' };
  return { tokens: sent, finishReason, inputTokens: countWords(options.prompt) };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export function createDemoModel(tokensPerSecond: number): LanguageModelV4 {
  const intervalMs = 1000 / tokensPerSecond;
  return {
    specificationVersion: 'v4',
    provider: 'offline-demo',
    modelId: DEMO_MODEL_ID,
    supportedUrls: {},

    async doGenerate(options) {
      options.abortSignal?.throwIfAborted();
      const { tokens, finishReason, inputTokens } = plan(options);
      return {
        content: [{ type: 'text', text: tokens.join('') }],
        finishReason,
        usage: usage(inputTokens, tokens.length),
        warnings: [],
      };
    },

    async doStream(options) {
      const { abortSignal } = options;
      abortSignal?.throwIfAborted();
      const { tokens, finishReason, inputTokens } = plan(options);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;

      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: [] });
          controller.enqueue({ type: 'response-metadata', modelId: DEMO_MODEL_ID, timestamp: new Date() });
          controller.enqueue({ type: 'text-start', id: 'text-0' });
          let index = 0;
          const finish = () => {
            abortSignal?.removeEventListener('abort', onAbort!);
            controller.enqueue({ type: 'text-end', id: 'text-0' });
            controller.enqueue({ type: 'finish', finishReason, usage: usage(inputTokens, tokens.length) });
            controller.close();
          };
          const next = () => {
            if (index >= tokens.length) return finish();
            controller.enqueue({ type: 'text-delta', id: 'text-0', delta: tokens[index++] });
            timer = setTimeout(next, intervalMs);
          };
          onAbort = () => {
            clearTimeout(timer);
            controller.error(abortError(abortSignal!));
          };
          abortSignal?.addEventListener('abort', onAbort, { once: true });
          next();
        },
        cancel() {
          clearTimeout(timer);
          if (onAbort) abortSignal?.removeEventListener('abort', onAbort);
        },
      });
      return { stream };
    },
  };
}
