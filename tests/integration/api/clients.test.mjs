// Real clients no one here wrote, from npm: the AI Horde's JavaScript client submits and polls
// a text job; the `openai` package runs completions and chat completions, blocking and streamed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { AIHorde } from '@zeldafan0225/ai_horde';
import OpenAI from 'openai';

import { Grid, MODEL, echoText, waitFor, workerKnown } from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let a, b;

before(async () => {
  await grid.bootstrap();
  [a, b] = await Promise.all([grid.node('a'), grid.node('b')]);
  await grid.worker('w1', ['--slots', '4']);
  await Promise.all([workerKnown(a), workerKnown(b)]);
});
after(() => grid.stop());

test('@zeldafan0225/ai_horde submits on one node and polls to done on another', async () => {
  const onA = new AIHorde({ api_route: `${a}/api/v2`, client_agent: 'aipg-test:1:none' });
  const onB = new AIHorde({ api_route: `${b}/api/v2`, client_agent: 'aipg-test:1:none' });
  const { id } = await onA.postAsyncTextGenerate({
    prompt: 'The grid says', params: { max_length: 120, max_context_length: 1024, n: 1 },
    models: [MODEL],
  });
  assert.ok(id);
  const st = await waitFor('done', async () => {
    const s = await onB.getTextGenerationStatus(id, { force: true });
    return s.done ? s : null;
  });
  assert.equal(st.faulted, false);
  assert.equal(st.generations[0].text, echoText('w1', 0, 'The grid says'));
  // Its errors come through as the AI Horde's.
  await assert.rejects(onA.postAsyncTextGenerate({ prompt: '', models: [MODEL] }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.error_code, 'MissingPrompt');
    return true;
  });
});

test('openai: completion and chat completion, blocking', async () => {
  const client = new OpenAI({ baseURL: `${b}/v1`, apiKey: '0000000000' });
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === MODEL));

  const c = await client.completions.create({ model: MODEL, prompt: 'Hello', max_tokens: 100 });
  assert.equal(c.object, 'text_completion');
  assert.equal(c.choices[0].text, echoText('w1', 0, 'Hello'));
  assert.ok(c.usage.completion_tokens > 0);
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);

  const chat = await client.chat.completions.create({
    model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }],
  });
  assert.equal(chat.object, 'chat.completion');
  assert.equal(chat.choices[0].message.role, 'assistant');
  assert.equal(chat.choices[0].message.content,
    echoText('w1', 0, 'system: Be brief.\nuser: Hi\nassistant:'));
  assert.equal(chat.choices[0].finish_reason, 'stop');
});

test('openai: chat completion streamed as Server-Sent Events', async () => {
  const client = new OpenAI({ baseURL: `${a}/v1`, apiKey: '0000000000' });
  const stream = await client.chat.completions.create({
    model: MODEL, messages: [{ role: 'user', content: 'Stream me' }], stream: true,
  });
  let text = '';
  let role;
  let finish;
  let chunks = 0;
  for await (const chunk of stream) {
    ++chunks;
    const d = chunk.choices[0]?.delta ?? {};
    if (d.role) role = d.role;
    if (d.content) text += d.content;
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
  }
  assert.ok(chunks >= 3);
  assert.equal(role, 'assistant');
  assert.equal(finish, 'stop');
  assert.equal(text, echoText('w1', 0, 'user: Stream me\nassistant:'));
});

test('openai: an unknown model is a 404 the client reports', async () => {
  const client = new OpenAI({ baseURL: `${a}/v1`, apiKey: '0000000000', maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: 'no/such-model', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && /does not exist/.test(e.message));
});
