// The grid end to end on a real model: llama.cpp's llama-server (scripts/setup-llama) behind a
// worker started with --backend openai=URL, an API node, a bootstrap. Jobs at temperature 0 come
// back with the text llama-server gives when asked directly, the same every time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { Grid, MODEL, getJson, postJson, waitFor, workerKnown } from './harness.mjs';

const llamaDir = process.env.AIPG_LLAMA_DIR;
const present =
  llamaDir && existsSync(join(llamaDir, 'llama-server')) && existsSync(join(llamaDir, 'tiny.gguf'));
const grid = new Grid(process.env.AIPG);
let llama, llamaUrl, node;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (!present) return;
  const port = await freePort();
  llama = spawn(join(llamaDir, 'llama-server'), ['-m', join(llamaDir, 'tiny.gguf'), '--host',
    '127.0.0.1', '--port', String(port), '-c', '512', '--parallel', '2', '-t', '1'],
  { stdio: 'ignore' });
  llamaUrl = `http://127.0.0.1:${port}`;
  await waitFor('llama-server healthy', async () => (await fetch(`${llamaUrl}/health`)).ok);
  await grid.bootstrap();
  node = await grid.node('n');
  await grid.start('w', ['worker', ...grid.hostArgs('w'), '--model', `${MODEL}=tiny`, '--name',
    'llama-worker', '--slots', '2', '--backend', `openai=${llamaUrl}`], 'worker_ready');
  await workerKnown(node);
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
  return waitFor('the job done', async () => {
    const r = await getJson(`${node}/api/v2/generate/text/status/${sub.body.id}`);
    return r.status === 200 && r.body.done ? r.body : null;
  });
}

test('a job runs on llama-server and returns its text', { skip: !present && 'no llama-server' },
  async () => {
    const prompt = 'Once upon a time';
    const [a, b] = await Promise.all([runJob(prompt), runJob(prompt)]);
    for (const done of [a, b]) {
      assert.equal(done.faulted, false);
      assert.equal(done.generations.length, 1);
      const g = done.generations[0];
      assert.equal(g.state, 'ok');
      assert.equal(g.worker_name, 'llama-worker');
      assert.ok(g.text.length > 0);
    }
    assert.equal(a.generations[0].text, b.generations[0].text);
    const direct = await postJson(`${llamaUrl}/v1/completions`, {
      model: 'tiny', prompt, max_tokens: 16, temperature: 0,
    });
    assert.equal(direct.status, 200);
    assert.equal(a.generations[0].text, direct.body.choices[0].text);
  });
