// Jobs accepted while the grid has no worker are run once workers come: jobs submitted on two
// API nodes before any worker exists, two workers started at the same moment, and more jobs
// submitted while they start, are all done — with their text — on both nodes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Grid, MODEL, echoText, jobsOnAll, submitText } from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let a, b;

before(async () => {
  await grid.bootstrap();
  [a, b] = await Promise.all([grid.node('a'), grid.node('b')]);
});
after(() => grid.stop());

test('jobs sent before and while workers start are all done on both nodes', async () => {
  const jobs = []; // {id, prompt}
  const send = async (base, prompt) => jobs.push({ id: await submitText(base, prompt), prompt });
  // Nobody serves the model yet: the nodes accept the jobs and say none can run now.
  for (let i = 0; i < 3; i++) {
    await send(a, `early ${i} on a`);
    await send(b, `early ${i} on b`);
  }

  // Both workers at once, and a job every 150 ms for their first 3 s, alternating nodes: the
  // jobs land while the workers dial, subscribe and send their first adverts.
  const ready = Promise.all([grid.worker('w1'), grid.worker('w2')]);
  const spawned = Date.now();
  for (let i = 0; Date.now() - spawned < 3000; i++) {
    await send(i % 2 ? b : a, `starting ${i} on ${i % 2 ? 'b' : 'a'}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  await ready;

  const seen = await jobsOnAll({ a, b }, jobs.map((j) => j.id), { timeoutMs: 90000 });
  for (const { id, prompt } of jobs) {
    for (const s of Object.values(seen[id])) {
      assert.equal(s.generations.length, 1, JSON.stringify(s));
      const g = s.generations[0];
      assert.ok(['w1', 'w2'].includes(g.worker_name), JSON.stringify(g));
      assert.equal(g.text, echoText(g.worker_name, 0, prompt));
      assert.equal(g.model, MODEL);
    }
  }
});
