// Start-up latency on real processes (loopback, test backend at 20 ms a run): how long a job
// submitted before any worker exists waits once a worker starts, and how long a job submitted
// while the whole grid starts takes. Usage: node bench/startup_latency.mjs [AIPG] [RUNS] [GAP_S]
//   worker start → first job: bootstrap + API node up, a job submitted, GAP_S seconds (default
//     10: long enough for the origin's republish back-off to grow) with no worker, then a worker
//     is spawned; the time from its spawn to the job done (polled every 20 ms).
//   cold grid: bootstrap, API node and worker spawned at once, a job submitted as soon as the
//     API node answers; the time from submit to done.
// Prints min / median / max of RUNS runs of each (default 5) as markdown rows.
import { Grid, getJson, submitText, waitFor } from '../tests/integration/api/harness.mjs';

const aipg = process.argv[2] ?? 'build/release/aipg';
const runs = Number(process.argv[3] ?? 5);
const gapS = Number(process.argv[4] ?? 10);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function doneAt(base, id) {
  await waitFor(`job ${id} done`, async () => {
    const r = await getJson(`${base}/api/v2/generate/text/status/${id}`);
    return r.status === 200 && r.body.done;
  }, 120000, 20);
  return performance.now();
}

async function workerStartToFirstJob() {
  const grid = new Grid(aipg);
  try {
    await grid.bootstrap();
    const a = await grid.node('a');
    const id = await submitText(a, 'waiting for a worker');
    await sleep(gapS * 1000);
    const spawned = performance.now();
    grid.worker('w1', ['--test-delay-ms', '20']).catch(() => {});
    return (await doneAt(a, id)) - spawned;
  } finally {
    await grid.stop();
  }
}

async function coldGrid() {
  const grid = new Grid(aipg);
  try {
    // The bootstrap's address is needed by the others: it starts first, the rest at once.
    await grid.bootstrap();
    const node = grid.node('a');
    grid.worker('w1', ['--test-delay-ms', '20']).catch(() => {});
    const a = await node;
    const submitted = performance.now();
    const id = await submitText(a, 'sent while the grid starts');
    return (await doneAt(a, id)) - submitted;
  } finally {
    await grid.stop();
  }
}

function row(name, xs) {
  xs.sort((p, q) => p - q);
  const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
  return `| ${name} | ${xs.length} | ${f(xs[0])} | ${f(xs[Math.floor(xs.length / 2)])} | ` +
    `${f(xs[xs.length - 1])} |`;
}

const first = [], cold = [];
for (let i = 0; i < runs; ++i) first.push(await workerStartToFirstJob());
for (let i = 0; i < runs; ++i) cold.push(await coldGrid());
console.log('| measure | runs | min | median | max |');
console.log('|---|---|---|---|---|');
console.log(row(`worker start → first job (job waited ${gapS} s)`, first));
console.log(row('submit → done, grid starting', cold));
