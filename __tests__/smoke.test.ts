import { streamText } from 'ai';
import { createAzure } from '@ai-sdk/azure';
test('loads', () => { expect(typeof streamText).toBe('function'); expect(typeof createAzure).toBe('function'); });
