// Bad input gets a clear 4xx naming the field and the limit, in the AI Horde's error shape, and
// a slow client (slowloris) is cut off without holding up anyone else.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';

import { Grid, MODEL, getJson, postJson, workerKnown } from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let a;

before(async () => {
  await grid.bootstrap();
  a = await grid.node('a', ['--http-header-timeout-ms', '1500', '--max-body-bytes', '65536',
    '--max-prompt-bytes', '4096']);
  await grid.worker('w1');
  await workerKnown(a);
});
after(() => grid.stop());

const submit = (body, headers) => postJson(`${a}/api/v2/generate/text/async`, body, headers);

function assertError(r, status, rc, pattern) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.rc, rc, JSON.stringify(r.body));
  assert.match(r.body.message, pattern);
}

test('malformed JSON', async () => {
  assertError(await submit('{"prompt": "x",'), 400, 'BadRequest', /not valid JSON/);
  assertError(await submit('[1, 2]'), 400, 'BadRequest', /must be a JSON object/);
});

test('wrong types name the field', async () => {
  assertError(await submit({ prompt: 5 }), 400, 'BadRequest', /^prompt must be a string/);
  assertError(await submit({ prompt: 'x', params: { n: 'two' } }), 400, 'BadRequest',
    /^params\.n must be an integer/);
  assertError(await submit({ prompt: 'x', params: [] }), 400, 'BadRequest', /^params must be an object/);
  assertError(await submit({ prompt: 'x', models: 'one' }), 400, 'BadRequest',
    /^models must be an array of strings/);
  assertError(await submit({ prompt: 'x', params: { temperature: 'hot' } }), 400, 'BadRequest',
    /^params\.temperature must be a number/);
});

test('limits are named', async () => {
  assertError(await submit({ prompt: 'x', params: { n: 50 } }), 400, 'BadRequest',
    /params\.n is 50, must be 1\.\.20/);
  assertError(await submit({ prompt: 'x', params: { max_length: 100000 } }), 400, 'BadRequest',
    /params\.max_length is 100000, must be 1\.\.4096/);
  assertError(await submit({ prompt: 'y'.repeat(5000) }), 400, 'BadRequest',
    /prompt is 5000 bytes, limit 4096/);
});

test('a missing prompt is MissingPrompt', async () => {
  assertError(await submit({ models: [MODEL] }), 400, 'MissingPrompt', /prompt/);
  assertError(await submit({ prompt: '' }), 400, 'MissingPrompt', /prompt/);
});

test('a huge body is 413 naming the limit', async () => {
  const r = await submit({ prompt: 'z'.repeat(200000) });
  assertError(r, 413, 'BodyTooLarge', /65536/);
});

test('an unknown route is 404, a wrong method 405', async () => {
  assertError(await getJson(`${a}/api/v2/nothing/here`), 404, 'NotFound', /\/api\/v2\/nothing\/here/);
  const r = await getJson(`${a}/api/v2/generate/text/async`);
  assert.equal(r.status, 405);
  assert.match(r.headers.get('allow'), /POST/);
});

test('an unknown API key is 401 InvalidAPIKey', async () => {
  assertError(await submit({ prompt: 'x' }, { apikey: 'not-a-key-anyone-has' }), 401,
    'InvalidAPIKey', /not known/);
});

test('a slowloris client is cut off while others are served', async () => {
  const sock = connect(Number(new URL(a).port), '127.0.0.1');
  let received = '';
  const closed = new Promise((resolve) => sock.on('close', resolve));
  sock.on('data', (d) => { received += d; });
  sock.on('error', () => {});
  await new Promise((r) => sock.on('connect', r));
  sock.write('POST /api/v2/generate/text/async HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-');
  // Meanwhile others get their answers.
  const started = Date.now();
  for (let i = 0; i < 5; ++i) {
    const r = await getJson(`${a}/api/v2/status/heartbeat`);
    assert.equal(r.status, 200);
  }
  const others = Date.now() - started;
  await closed;
  assert.match(received, /^HTTP\/1\.1 408/);
  assert.ok(others < 1500, `other clients waited ${others} ms`);
});
