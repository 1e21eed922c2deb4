// Two generations of one request on a grid with one worker of two slots: the worker has room
// for both, so the request should be answered. (Protocol v1 gives each generation a distinct
// worker, so today these wait: the test documents what a user asks for.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  Grid, MODEL, echoText, getJson, gridMetrics, jobsOnAll, submitText, workerKnown,
} from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let a, b;

before(async () => {
  await grid.bootstrap();
  [a, b] = await Promise.all([grid.node('a'), grid.node('b')]);
  await grid.worker('w1', ['--slots', '2']);
  await Promise.all([workerKnown(a), workerKnown(b)]);
});
after(() => grid.stop());

test('an OpenAI chat completion with n: 2 answers two choices', async () => {
  // The node itself waits 5 minutes for a blocking answer; a minute is plenty for the test backend.
  const waitMs = 60000;
  let r;
  try {
    r = await getJson(`${a}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer 0000000000' },
      body: JSON.stringify({ model: MODEL, n: 2, messages: [{ role: 'user', content: 'Twice' }] }),
      signal: AbortSignal.timeout(waitMs),
    });
  } catch (e) {
    const m = await Promise.all([a, b].map(gridMetrics));
    throw new Error(`no answer within ${waitMs / 1000} s (${e.name}); a: ${m[0]}\nb: ${m[1]}`);
  }
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.choices.length, 2, JSON.stringify(r.body));
  for (const [i, c] of r.body.choices.entries()) {
    assert.equal(c.index, i);
    assert.equal(c.message.content, echoText('w1', i, 'user: Twice\nassistant:'));
  }
  // Both nodes agree on the job behind it.
  const id = r.body.id.replace(/^chatcmpl-/, '');
  const seen = await jobsOnAll({ a, b }, [id], { timeoutMs: 20000 });
  for (const s of Object.values(seen[id])) assert.equal(s.generations.length, 2);
});

test('an AI Horde job with params.n = 2 is done with two generations on both nodes', async () => {
  const prompt = 'Two of these';
  const id = await submitText(a, prompt, { n: 2 });
  const seen = await jobsOnAll({ a, b }, [id], { timeoutMs: 60000 });
  for (const s of Object.values(seen[id])) {
    assert.equal(s.generations.length, 2, JSON.stringify(s));
    for (const [i, g] of s.generations.entries()) {
      assert.equal(g.worker_name, 'w1');
      assert.equal(g.text, echoText('w1', i, prompt));
    }
  }
  const onA = await getJson(`${a}/api/v2/generate/text/status/${id}`);
  assert.equal(onA.body.faulted, false);
});
