// An API node killed with SIGKILL and started again (same key, same data directory) still
// answers for every job it had accepted: finished ones with their results, open ones carried on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Grid, MODEL, echoText, getJson, postJson, waitFor, workerKnown } from './harness.mjs';

const grid = new Grid(process.env.AIPG);
let a, b;

before(async () => {
  await grid.bootstrap();
  [a, b] = await Promise.all([grid.node('a'), grid.node('b')]);
  // Two slots: the slow job must not hold up the others.
  await grid.worker('w1', ['--slots', '2', '--test-delay-ms', '1500']);
  await Promise.all([workerKnown(a), workerKnown(b)]);
});
after(() => grid.stop());

test('after SIGKILL and a restart the node answers for the jobs it had accepted', async () => {
  const submit = async (prompt) => {
    const r = await postJson(`${a}/api/v2/generate/text/async`, { prompt, models: [MODEL] });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.id;
  };
  const finished = await submit('finished before the crash');
  await waitFor('the first job done', async () =>
    (await getJson(`${a}/api/v2/generate/text/status/${finished}`)).body.done);
  // Accepted just before the kill: the 202 came back, so it is on disk.
  const open = await submit('still running at the crash');
  await grid.kill('a', 'SIGKILL');

  a = await grid.node('a');
  const r1 = await getJson(`${a}/api/v2/generate/text/status/${finished}`);
  assert.equal(r1.status, 200, JSON.stringify(r1.body));
  assert.equal(r1.body.done, true);
  assert.equal(r1.body.generations[0].text, echoText('w1', 0, 'finished before the crash'));

  const r2 = await getJson(`${a}/api/v2/generate/text/status/${open}`);
  assert.equal(r2.status, 200, JSON.stringify(r2.body));
  let last;
  const done = await waitFor('the open job done on the restarted node', async () => {
    const r = await getJson(`${a}/api/v2/generate/text/status/${open}`);
    last = r.body;
    return r.body.done ? r.body : null;
  }, 30000).catch((e) => {
    throw new Error(`${e.message}; last status ${JSON.stringify(last)}`);
  });
  assert.equal(done.generations[0].text, echoText('w1', 0, 'still running at the crash'));
  // B agrees.
  const onB = await getJson(`${b}/api/v2/generate/text/status/${open}`);
  assert.equal(onB.body.done, true);
});
