/// <reference lib="webworker" />
import { code as streamdownCode } from '@streamdown/code';
import type { CodeHighlighterPlugin, HighlightResult } from 'streamdown';
import type { HighlightReply, HighlightRequest } from './protocol';

/**
 * Runs Streamdown's own Shiki plugin off the main thread. Loading a grammar and compiling its
 * regular expressions the first time a language appears is one long task on the page, which
 * froze a reply mid-stream; here it costs the page nothing.
 */
const code: CodeHighlighterPlugin = streamdownCode;
const scope = self as unknown as DedicatedWorkerGlobalScope;

// Only the fields Streamdown renders: Shiki's result also carries a grammar state that cannot
// be cloned across threads.
const transferable = ({ tokens, fg, bg, rootStyle }: HighlightResult): HighlightResult => ({ tokens, fg, bg, rootStyle });

scope.onmessage = ({ data: { id, options } }: MessageEvent<HighlightRequest>) => {
  const reply = (message: HighlightReply) => scope.postMessage(message);
  try {
    const ready = code.highlight(options, (result) => reply({ id, result: transferable(result) }));
    if (ready) reply({ id, result: transferable(ready) });
  } catch (error) {
    reply({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
