// Grid overhead per job (docs/benchmarks.md "Grid overhead"): the time from an HTTP request to
// its result in hand, on a grid whose backend takes no time (the test backend with
// --test-delay-ms 0), so what is measured is the grid itself: HTTP, the announce over
// gossipsub, the claim, the result back, the node waking the blocked request.
// A bootstrap, one API node (--claim-window-ms 0, no rate limits, logs at warn: no access log)
// and one worker (--slots 100; WORKERS=2 for two with 50 each) on 127.0.0.1; the client is the
// blocking OpenAI /v1/completions route (it answers when the job is done: no polling latency),
// with keep-alive connections, C requests in flight at a time (closed loop).
// Usage: node bench/grid_overhead.mjs [build/release/aipg] [concurrency,…] [requests per level]
//   env: WORKERS (1; with two and a 0 ms window both run every job), SLOTS
//   (100 / WORKERS) per worker, CLAIM_WINDOW ms (0), DATA_DIR=full|normal gives the node a
//   store (default: none), LOG=level for every process (warn), KEEP=1 keeps the logs.
//   A request that fails or takes over 10 s is counted as failed, not timed.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const aipg = process.argv[2] ?? 'build/release/aipg';
const levels = (process.argv[3] ?? '1,10,100').split(',').map(Number);
const perLevel = Number(process.argv[4] ?? 2000);
const MODEL = 'bench/zero';
const dir = mkdtempSync(join(tmpdir(), 'aipg-overhead-'));
const procs = [];

function stopAll() {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.error(`logs kept in ${dir}`);
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

// `aipg ARGS…` with stdout/stderr in dir; resolves with its first JSON line whose event is `ready`.
function start(name, args, ready) {
  const out = join(dir, `${name}.out`);
  const p = spawn(aipg, ['--log-level', process.env.LOG ?? 'warn', ...args], {
    stdio: ['ignore', openSync(out, 'w'), openSync(join(dir, `${name}.err`), 'w')],
  });
  procs.push(p);
  return waitFor(`${name} ${ready}`, () => {
    if (p.exitCode !== null) throw new Error(`${name} exited: ${readFileSync(join(dir, `${name}.err`), 'utf8')}`);
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      if (line.startsWith('{') && JSON.parse(line).event === ready) return JSON.parse(line);
    }
    return null;
  });
}
async function waitFor(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const host = (name) => ['--key', join(dir, `${name}.key`), '--listen', '/ip4/127.0.0.1/tcp/0'];
const boot = (await start('boot', ['bootstrap', ...host('boot')], 'listening')).addrs[0];
const store = process.env.DATA_DIR ? ['--data-dir', join(dir, 'data'), '--sync', process.env.DATA_DIR] : [];
const node = await start('node', ['node', ...host('node'), '--bootstrap', boot, '--http', '127.0.0.1:0',
  '--claim-window-ms', process.env.CLAIM_WINDOW ?? '0', '--rate-submits', '0', '--rate-ip', '0', ...store], 'node_ready');
const workers = Number(process.env.WORKERS ?? 1);
const slots = process.env.SLOTS ?? String(Math.ceil(100 / workers));
for (let i = 1; i <= workers; ++i) {
  await start(`w${i}`, ['worker', ...host(`w${i}`), '--bootstrap', boot, '--name', `w${i}`,
    '--model', MODEL, '--slots', slots, '--test-delay-ms', '0'], 'worker_ready');
}
const base = `http://${node.http}`;
await waitFor('both workers at the node', async () => {
  const r = await fetch(`${base}/api/v2/status/models?type=text`);
  return (await r.json()).some((m) => m.name === MODEL && m.count >= workers);
});

// A request's time in ms, or null when it failed or took over 10 s (counted, not timed).
// node:http with a keep-alive agent of at most C sockets: fetch's pool opens sockets past the
// number in flight, and the node refuses over 128 connections per client IP.
let failures = 0;
let agent = null;
function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method: 'POST', agent, timeout: 10000,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}
const body = JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: 16 });
async function one() {
  const t0 = process.hrtime.bigint();
  try {
    const r = await post('/v1/completions', body);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text}`);
    JSON.parse(r.text);
  } catch (e) {
    if (++failures <= 5) console.error(`request failed: ${e.message ?? e}`);
    return null;
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function level(c, n) {
  agent?.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const times = [];
  let next = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) {
      ++next;
      const ms = await one();
      if (ms !== null) times.push(ms);
    }
  }));
  const secs = (Date.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const failed = failures;
  failures = 0;
  return { c, n, failed, p50: q(0.5), p99: q(0.99), mean, max: times.at(-1), rate: n / secs };
}

const warm = await level(10, 200);  // warm-up: connections, mesh, allocator
if (warm.failed) console.error(`warm-up: ${warm.failed} of 200 failed`);
console.log(`| concurrent jobs | jobs | failed | p50 ms | p99 ms | mean ms | max ms | jobs/s |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const c of levels) {
  const r = await level(c, Math.max(perLevel, c * 10));
  const f = (x) => x.toFixed(2);
  console.log(`| ${r.c} | ${r.n} | ${r.failed} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.mean)} | ${f(r.max)} | ${r.rate.toFixed(0)} |`);
}
process.exit(0);
