// A job submitted on API node A is polled to done on node B; cancel works from the origin and
// is refused elsewhere (a bootstrap, two API nodes and a worker, real processes on loopback).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Grid, MODEL, echoText, getJson, postJson, waitFor, workerKnown } from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let a, b;

before(async () => {
  await grid.bootstrap();
  [a, b] = await Promise.all([grid.node('a'), grid.node('b')]);
  await Promise.all([grid.worker('w1', ['--slots', '2', '--test-delay-ms', '50']),
    grid.worker('w2', ['--test-delay-ms', '50'])]);
  await Promise.all([workerKnown(a, 2), workerKnown(b, 2)]);
});
after(() => grid.stop());

test('a job submitted on A is done when polled on B, with the workers and their text', async () => {
  const prompt = 'Once upon a time';
  const sub = await postJson(`${a}/api/v2/generate/text/async`, {
    prompt, models: [MODEL], params: { n: 2, max_length: 200 },
  }, { apikey: '0000000000', 'Client-Agent': 'test:1:none' });
  assert.equal(sub.status, 202, JSON.stringify(sub.body));
  assert.match(sub.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(sub.body.kudos, 0);

  const done = await waitFor('done on B', async () => {
    const r = await getJson(`${b}/api/v2/generate/text/status/${sub.body.id}`);
    return r.status === 200 && r.body.done ? r.body : null;
  });
  assert.equal(done.faulted, false);
  assert.equal(done.finished, 2);
  assert.equal(done.is_possible, true);
  assert.equal(done.generations.length, 2);
  // One generation each, the worker's name in its text.
  const names = done.generations.map((g) => g.worker_name).sort();
  assert.deepEqual(names, ['w1', 'w2']);
  for (const [i, g] of done.generations.entries()) {
    assert.equal(g.text, echoText(g.worker_name, i, prompt));
    assert.match(g.worker_id, /^12D3KooW/);
    assert.equal(g.state, 'ok');
    assert.equal(g.model, MODEL);
  }
  // A answers the same.
  const onA = await getJson(`${a}/api/v2/generate/text/status/${sub.body.id}`);
  assert.equal(onA.body.done, true);
});

test('cancel works from the origin and is refused by another node', async () => {
  const sub = await postJson(`${a}/api/v2/generate/text/async`, {
    prompt: 'a long story [slow]', models: [MODEL],
  });
  assert.equal(sub.status, 202);
  const id = sub.body.id;
  await waitFor('the job on B', async () =>
    (await getJson(`${b}/api/v2/generate/text/status/${id}`)).status === 200);

  const elsewhere = await getJson(`${b}/api/v2/generate/text/status/${id}`, { method: 'DELETE' });
  assert.equal(elsewhere.status, 409);
  assert.equal(elsewhere.body.rc, 'NotOrigin');

  const c = await getJson(`${a}/api/v2/generate/text/status/${id}`, { method: 'DELETE' });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.faulted, true);
  assert.equal(c.body.done, false);
  assert.match(c.body.message, /cancelled/);
  // The cancel reaches B too.
  await waitFor('cancelled on B', async () => {
    const r = await getJson(`${b}/api/v2/generate/text/status/${id}`);
    return r.body.state === 'cancelled';
  });
});

test('an unknown id is 404 RequestNotFound on every node', async () => {
  for (const base of [a, b]) {
    const r = await getJson(`${base}/api/v2/generate/text/status/00000000-0000-0000-0000-000000000000`);
    assert.equal(r.status, 404);
    assert.equal(r.body.rc, 'RequestNotFound');
    const bad = await getJson(`${base}/api/v2/generate/text/status/not-a-uuid`);
    assert.equal(bad.status, 404);
  }
});

test('a request no live worker can serve says so: is_possible false, and why', async () => {
  const sub = await postJson(`${a}/api/v2/generate/text/async`, {
    prompt: 'hello', models: ['nobody/serves-this'],
  });
  assert.equal(sub.status, 202);
  assert.ok(sub.body.warnings.some((w) => w.code === 'NoAvailableWorker'));
  const r = await getJson(`${a}/api/v2/generate/text/status/${sub.body.id}`);
  assert.equal(r.body.is_possible, false);
  assert.match(r.body.message, /no live worker serves model nobody\/serves-this/);
  // Three generations with two workers serving the model: possible (a worker may run several),
  // and done, each generation with a text.
  const three = await postJson(`${a}/api/v2/generate/text/async`, {
    prompt: 'hello', models: [MODEL], params: { n: 3 },
  });
  const r3 = await getJson(`${a}/api/v2/generate/text/status/${three.body.id}`);
  assert.equal(r3.body.is_possible, true);
  const done3 = await waitFor('three generations done on B', async () => {
    const r = await getJson(`${b}/api/v2/generate/text/status/${three.body.id}`);
    return r.status === 200 && r.body.done ? r.body : null;
  });
  assert.equal(done3.generations.length, 3);
  for (const g of done3.generations) assert.ok(g.text.length > 0);
});

test('models, workers, heartbeat and performance describe the grid', async () => {
  const models = await getJson(`${b}/api/v2/status/models?type=text`);
  const m = models.body.find((x) => x.name === MODEL);
  assert.equal(m.count, 2);
  assert.equal(m.type, 'text');
  const workers = await getJson(`${b}/api/v2/workers?type=text`);
  const w1 = workers.body.find((w) => w.name === 'w1');
  assert.equal(workers.body.length, 2);
  assert.deepEqual(w1.models, [MODEL]);
  assert.equal(w1.threads, 2);
  const hb = await getJson(`${a}/api/v2/status/heartbeat`);
  assert.equal(hb.body.message, 'OK');
  const perf = await getJson(`${a}/api/v2/status/performance`);
  assert.equal(perf.body.text_worker_count, 2);
  assert.equal(perf.body.api_nodes, 2);
  const images = await getJson(`${b}/api/v2/status/models?type=image`);
  assert.deepEqual(images.body, []);
});
