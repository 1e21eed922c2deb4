// A job whose worker dies mid-run (SIGKILL: no release, no result) is finished by a worker that
// joins afterwards: the grid notices the silent winner, announces the job again without it, and
// the newcomer runs it. Shipped timings (advert interval, leases); only the backends are set.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  Grid, echoText, getJson, jobsOnAll, submitText, waitFor, workerKnown,
} from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let a, b;

before(async () => {
  await grid.bootstrap();
  [a, b] = await Promise.all([grid.node('a'), grid.node('b')]);
  // A minute a run: only a kill can end it within the test.
  await grid.worker('w-dying', ['--test-delay-ms', '60000']);
  await Promise.all([workerKnown(a), workerKnown(b)]);
});
after(() => grid.stop());

test('a job whose worker was SIGKILLed mid-run is done by its replacement', async () => {
  const prompt = 'Outlive your worker';
  const id = await submitText(a, prompt);
  await waitFor('w-dying runs the job', async () =>
    (await getJson(`${a}/api/v2/generate/text/status/${id}`)).body.processing === 1);
  await grid.kill('w-dying', 'SIGKILL');
  // A new key and the default speed, a while later, as an operator restarting a box would.
  await new Promise((r) => setTimeout(r, 5000));
  const next = await grid.worker('w-next');

  const seen = await jobsOnAll({ a, b }, [id], { timeoutMs: 120000 });
  for (const s of Object.values(seen[id])) {
    assert.equal(s.faulted, false, JSON.stringify(s));
    const g = s.generations[0];
    assert.equal(g.worker_name, 'w-next', JSON.stringify(g));
    assert.equal(g.worker_id, next.peer_id);
    assert.equal(g.text, echoText('w-next', 0, prompt));
    assert.ok(s.restarted >= 1, `the job was never announced again: ${JSON.stringify(s)}`);
  }
});
