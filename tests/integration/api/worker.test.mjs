// The worker's behaviour around the protocol, with real processes: output streamed to the
// origin while a generation runs (an OpenAI client sees the words as they come), a run that
// outlives its timeout released to another worker, and a worker stopped by SIGTERM handing its
// running job back at once rather than leaving it to its lease.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import OpenAI from 'openai';

import { Grid, MODEL, echoText, getJson, postJson, waitFor, workerKnown } from './harness.mjs';

async function withGrid(fn) {
  const grid = new Grid(process.env.AIPG);
  try {
    await grid.bootstrap();
    await fn(grid);
  } finally {
    await grid.stop();
  }
}

async function submit(base, prompt, maxLength = 60) {
  const r = await postJson(`${base}/api/v2/generate/text/async`, {
    prompt, models: [MODEL], params: { max_length: maxLength, n: 1 },
  });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.id;
}

function done(base, id) {
  return waitFor(`job ${id} done`, async () => {
    const s = await getJson(`${base}/api/v2/generate/text/status/${id}`);
    return s.body.done || s.body.faulted ? s.body : null;
  }, 60000, 100);
}

test('a streamed chat completion gets the words while the worker is still generating', async () => {
  await withGrid(async (grid) => {
    const a = await grid.node('a');
    const b = await grid.node('b');
    // 150 ms between words: a generation takes about a second after its first word.
    await grid.worker('w1', ['--test-token-ms', '150']);
    await Promise.all([workerKnown(a), workerKnown(b)]);
    const client = new OpenAI({ baseURL: `${a}/v1`, apiKey: '0000000000' });
    const stream = await client.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'Stream me word by word' }], stream: true,
    });
    const pieces = [];
    let statusAtFirstPiece;
    let finish;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta ?? {};
      if (d.content) {
        pieces.push(d.content);
        if (pieces.length === 1) {
          // The job as the other node sees it at that moment: not done yet.
          const hex = chunk.id.replace(/^chatcmpl-/, '');
          statusAtFirstPiece = (await getJson(`${b}/api/v2/generate/text/status/${hex}`)).body;
        }
      }
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    }
    const expected = echoText('w1', 0, 'user: Stream me word by word\nassistant:');
    assert.equal(pieces.join(''), expected);
    assert.ok(pieces.length >= 4, `only ${pieces.length} piece(s): ${JSON.stringify(pieces)}`);
    assert.equal(statusAtFirstPiece.done, false, JSON.stringify(statusAtFirstPiece));
    assert.equal(finish, 'stop');
    // The origin counted the stream it took.
    const m = await fetch(`${a}/metrics`).then((r) => r.text());
    assert.match(m, /aipg_output_streams_total\{result="accepted"\} [1-9]/);
  });
});

test('a run past its timeout is released and another worker completes the job', async () => {
  await withGrid(async (grid) => {
    const a = await grid.node('a');
    // w-slow takes a minute a generation but may take only 0.5 s + 3 × 4 tokens × 250 ms.
    await grid.worker('w-slow', ['--test-delay-ms', '60000', '--timeout-base-ms', '500']);
    await workerKnown(a);
    const id = await submit(a, 'Too slow', 4);
    await waitFor('w-slow claims', async () => {
      const s = await getJson(`${a}/api/v2/generate/text/status/${id}`);
      return s.body.processing === 1;
    });
    await grid.worker('w-fast');
    const st = await done(a, id);
    assert.equal(st.faulted, false, JSON.stringify(st));
    assert.equal(st.generations[0].worker_name, 'w-fast');
    assert.match(grid.procs.get('w-slow').stderr, /released: timed out after 3500 ms/);
  });
});

test('SIGTERM releases a running job at once, and the worker exits', async () => {
  await withGrid(async (grid) => {
    const a = await grid.node('a');
    await grid.worker('w-busy', ['--test-delay-ms', '600000', '--drain-ms', '300']);
    await workerKnown(a);
    const id = await submit(a, 'Hand me back');
    await waitFor('w-busy runs it', async () => {
      const s = await getJson(`${a}/api/v2/generate/text/status/${id}`);
      return s.body.processing === 1;
    });
    await grid.worker('w-next');
    const busy = grid.procs.get('w-busy').proc;
    const exited = new Promise((resolve) => busy.on('exit', (code) => resolve(code)));
    busy.kill('SIGTERM');
    assert.equal(await exited, 0);
    const st = await done(a, id);
    assert.equal(st.faulted, false, JSON.stringify(st));
    assert.equal(st.generations[0].worker_name, 'w-next');
    assert.equal(st.generations[0].text, echoText('w-next', 0, 'Hand me back'));
  });
});
