// The grid end to end on a real model: llama.cpp's llama-server (scripts/setup-llama) behind two
// workers started with --backend openai=URL, two API nodes, a bootstrap. A job submitted on one
// node is polled to done on the other; at temperature 0 it comes back with the text llama-server
// gives when asked directly, the same every time; a streamed chat completion arrives in pieces
// that add up to the blocking answer. When llama-server goes away the workers say so in their
// adverts at once (their health checks fail) and the nodes stop counting them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import OpenAI from 'openai';

import { Grid, MODEL, getJson, postJson, waitFor, workerKnown } from './harness.mjs';

const llamaDir = process.env.AIPG_LLAMA_DIR;
// scripts/setup builds it: its absence is a failure, not a reason to skip.
assert.ok(llamaDir && existsSync(join(llamaDir, 'llama-server')) &&
  existsSync(join(llamaDir, 'tiny.gguf')), `no llama-server in ${llamaDir}: run scripts/setup`);
const grid = new Grid(process.env.AIPG);
let llama, llamaUrl, node, other;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  const port = await freePort();
  llama = spawn(join(llamaDir, 'llama-server'), ['-m', join(llamaDir, 'tiny.gguf'), '--host',
    '127.0.0.1', '--port', String(port), '-c', '512', '--parallel', '2', '-t', '1'],
  { stdio: 'ignore' });
  llamaUrl = `http://127.0.0.1:${port}`;
  await waitFor('llama-server healthy', async () => (await fetch(`${llamaUrl}/health`)).ok);
  await grid.bootstrap();
  [node, other] = await Promise.all([grid.node('n'), grid.node('m')]);
  for (const w of ['llama-worker', 'llama-worker-2']) {
    await grid.start(w, ['worker', ...grid.hostArgs(w), '--model', `${MODEL}=tiny`, '--name', w,
      '--slots', '1', '--backend', `openai=${llamaUrl}`, '--health-interval-ms', '300'],
    'worker_ready');
  }
  await Promise.all([workerKnown(node, 2), workerKnown(other, 2)]);
});
after(async () => {
  await grid.stop();
  llama?.kill('SIGTERM');
});

const params = { max_length: 16, temperature: 0, rep_pen: 1, top_p: 1, top_k: 0 };

async function runJob(prompt) {
  const sub = await postJson(`${node}/api/v2/generate/text/async`, {
    prompt, models: [MODEL], params,
  });
  assert.equal(sub.status, 202, JSON.stringify(sub.body));
  // Polled on the other node.
  return waitFor('the job done', async () => {
    const r = await getJson(`${other}/api/v2/generate/text/status/${sub.body.id}`);
    return r.status === 200 && r.body.done ? r.body : null;
  });
}

test('jobs run on llama-server and return its text', async () => {
  const prompt = 'Once upon a time';
  const [a, b] = await Promise.all([runJob(prompt), runJob(prompt)]);
  for (const done of [a, b]) {
    assert.equal(done.faulted, false);
    assert.equal(done.generations.length, 1);
    const g = done.generations[0];
    assert.equal(g.state, 'ok');
    assert.ok(['llama-worker', 'llama-worker-2'].includes(g.worker_name), g.worker_name);
    assert.ok(g.text.length > 0);
  }
  assert.equal(a.generations[0].text, b.generations[0].text);
  const direct = await postJson(`${llamaUrl}/v1/completions`, {
    model: 'tiny', prompt, max_tokens: 16, temperature: 0,
  });
  assert.equal(direct.status, 200);
  assert.equal(a.generations[0].text, direct.body.choices[0].text);
});

test('a streamed chat completion arrives in pieces that make the blocking answer', async () => {
  const client = new OpenAI({ baseURL: `${node}/v1`, apiKey: '0000000000' });
  const ask = { model: MODEL, messages: [{ role: 'user', content: 'Tell me a story' }],
    max_tokens: 32, temperature: 0 };
  const blocking = await client.chat.completions.create(ask);
  const stream = await client.chat.completions.create({ ...ask, stream: true });
  const pieces = [];
  for await (const chunk of stream) {
    const c = chunk.choices[0]?.delta?.content;
    if (c) pieces.push(c);
  }
  assert.ok(pieces.length > 1, `the text came in ${pieces.length} piece(s)`);
  assert.equal(pieces.join(''), blocking.choices[0].message.content);
  // The chat went to llama-server as messages, with the model's own chat template.
  const direct = await postJson(`${llamaUrl}/v1/chat/completions`, {
    model: 'tiny', messages: ask.messages, max_tokens: 32, temperature: 0,
  });
  assert.equal(blocking.choices[0].message.content, direct.body.choices[0].message.content);
});

test('a backend that goes down is advertised as unhealthy and takes no jobs', async () => {
  const exited = new Promise((resolve) => llama.on('exit', resolve));
  llama.kill('SIGTERM');
  await exited;
  // Within a health interval and an advert, both nodes see both workers unhealthy.
  for (const base of [node, other]) {
    await waitFor('workers unhealthy', async () => {
      const r = await getJson(`${base}/api/v2/workers?type=text`);
      const ours = r.body.filter((w) => w.name.startsWith('llama-worker'));
      return ours.length === 2 && ours.every((w) => w.healthy === false);
    });
    // The per-model figures are recomputed at most every 2 s.
    await waitFor('no worker counted for the model', async () => {
      const models = await getJson(`${base}/api/v2/status/models?type=text`);
      return !models.body.some((m) => m.name === MODEL && m.count > 0);
    });
  }
  // A job now waits, and the status says why.
  const sub = await postJson(`${node}/api/v2/generate/text/async`, { prompt: 'Anyone?', models: [MODEL] });
  assert.equal(sub.status, 202);
  const st = await getJson(`${node}/api/v2/generate/text/status/${sub.body.id}`);
  assert.equal(st.body.done, false);
  assert.equal(st.body.is_possible, false);
});
