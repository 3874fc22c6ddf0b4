import { runInThisContext } from 'node:vm';

/**
 * jsdom has no fetch API or web streams, which `useChat` and the AI SDK's stream helpers need.
 * Node has them: they are taken from Node's own global scope (vm's "this context" is outside
 * Jest's sandbox), so the tests run the real implementations, not stand-ins.
 */
const names = [
  'Response',
  'Request',
  'Headers',
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'TextEncoderStream',
  'TextDecoderStream',
  'TextEncoder',
  'TextDecoder',
  'structuredClone',
] as const;

for (const name of names) {
  if (!(name in globalThis)) {
    Object.defineProperty(globalThis, name, { value: runInThisContext(name), writable: true, configurable: true });
  }
}

// jsdom does no layout, so it leaves out element scrolling; Streamdown scrolls a streaming code
// block to its end. Nothing can be scrolled here, so doing nothing is the faithful behaviour.
Element.prototype.scrollTo ??= function scrollTo() {};
