import { startAzureEmulator } from './support/azure-emulator';
import { emulatorEnv, postChat, useEnv } from './support/chat-client';
test('deep', async () => {
  const emulator = await startAzureEmulator({ apiKey: 'k' });
  const restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses' }));
  let deep = '1'; for (let i = 0; i < 100000; i++) deep = '[' + deep + ']';
  for (const key of ['input', 'output']) {
    const raw = `{"id":"c1","messages":[{"id":"m1","role":"user","parts":[{"type":"text","text":"hi"}]},{"id":"m2","role":"assistant","parts":[{"type":"tool-weather","toolCallId":"t1","state":"output-available","input":${key==='input'?deep:'{}'},"output":${key==='output'?deep:'{}'}}]},{"id":"m3","role":"user","parts":[{"type":"text","text":"again"}]}]}`;
    const res = await postChat(undefined, { rawBody: raw });
    console.log(key, res.status, await res.text());
  }
  restore(); await emulator.close();
});
