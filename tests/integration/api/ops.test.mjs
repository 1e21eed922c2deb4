// Operations and access: /healthz, /readyz, /metrics after real traffic; API keys required by a
// key file; per-key submit limits answered 429 with Retry-After; CORS on answers.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { Grid, MODEL, getJson, postJson, waitFor, workerKnown } from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let open, closed;

before(async () => {
  await grid.bootstrap();
  const keys = join(grid.dir, 'keys');
  writeFileSync(keys, '# operators\nsecret-key-alice alice\n');
  [open, closed] = await Promise.all([
    grid.node('open', ['--rate-submits', '0.5', '--rate-submits-burst', '2',
      '--cors-origin', 'https://app.example']),
    grid.node('closed', ['--api-keys', keys, '--require-key']),
  ]);
  await grid.worker('w1', ['--slots', '4']);
  await Promise.all([workerKnown(open), workerKnown(closed, 1, { apikey: 'secret-key-alice' })]);
});
after(() => grid.stop());

test('healthz and readyz', async () => {
  const h = await getJson(`${open}/healthz`);
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'ok');
  const r = await waitFor('ready', async () => {
    const x = await getJson(`${open}/readyz`);
    return x.status === 200 ? x : null;
  });
  assert.equal(r.body.ready, true);
  assert.deepEqual(r.body.reasons, []);
});

test('a key file with --require-key refuses anonymous requests and takes its keys', async () => {
  const anon = await postJson(`${closed}/api/v2/generate/text/async`, { prompt: 'x', models: [MODEL] });
  assert.equal(anon.status, 401);
  assert.equal(anon.body.rc, 'InvalidAPIKey');
  const ok = await postJson(`${closed}/api/v2/generate/text/async`, { prompt: 'x', models: [MODEL] },
    { apikey: 'secret-key-alice' });
  assert.equal(ok.status, 202, JSON.stringify(ok.body));
  // OpenAI clients send the key as a bearer token.
  const oa = await getJson(`${closed}/v1/models`, { headers: { Authorization: 'Bearer secret-key-alice' } });
  assert.equal(oa.status, 200);
});

test('submits beyond the per-key burst are 429 TooManyPrompts with Retry-After', async () => {
  const codes = [];
  let limited;
  for (let i = 0; i < 4; ++i) {
    const r = await postJson(`${open}/api/v2/generate/text/async`, { prompt: `p${i}`, models: [MODEL] });
    codes.push(r.status);
    if (r.status === 429) limited = r;
  }
  assert.deepEqual(codes.slice(0, 2), [202, 202]);
  assert.ok(limited, `codes ${codes}`);
  assert.equal(limited.body.rc, 'TooManyPrompts');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  // Polls are not submits: still answered.
  assert.equal((await getJson(`${open}/api/v2/status/heartbeat`)).status, 200);
});

test('CORS: the allowed origin is answered, a preflight too', async () => {
  const r = await getJson(`${open}/api/v2/status/heartbeat`, { headers: { Origin: 'https://app.example' } });
  assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example');
  const pre = await fetch(`${open}/api/v2/generate/text/async`, {
    method: 'OPTIONS',
    headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'apikey, content-type' },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-headers'), /apikey/i);
  const other = await getJson(`${open}/api/v2/status/heartbeat`, { headers: { Origin: 'https://evil.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('metrics count requests, jobs, latencies and the mesh', async () => {
  const sub = await postJson(`${closed}/api/v2/generate/text/async`, { prompt: 'count me', models: [MODEL] },
    { apikey: 'secret-key-alice' });
  await waitFor('done', async () =>
    (await getJson(`${closed}/api/v2/generate/text/status/${sub.body.id}`,
      { headers: { apikey: 'secret-key-alice' } })).body.done);
  const text = await waitFor('latency observed', async () => {
    const t = await (await fetch(`${closed}/metrics`)).text();
    return /aipg_job_latency_seconds_count [1-9]/.test(t) ? t : null;
  });
  assert.match(text, /aipg_http_requests_total\{code="202",route="\/api\/v2\/generate\/text\/async"\} [1-9]/);
  assert.match(text, /aipg_http_requests_total\{code="401",route="\/api\/v2\/generate\/text\/async"\} [1-9]/);
  assert.match(text, /aipg_jobs\{state="done"\} [1-9]/);
  assert.match(text, /aipg_claim_latency_seconds_count [1-9]/);
  assert.match(text, /aipg_mesh_peers\{topic="aipg\/1\/workers"\} [1-9]/);
  assert.match(text, /aipg_peers [1-9]/);
  assert.match(text, /aipg_grid_messages_in_total [1-9]/);
  assert.match(text, /aipg_api_rejected_keys_total [1-9]/);
});
