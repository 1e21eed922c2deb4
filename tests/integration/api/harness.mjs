// Real aipg processes on 127.0.0.1 for the HTTP API tests: a bootstrap, API nodes and workers,
// each with its own key and data directory under one temporary directory, all stopped when the
// test ends. Waits are on conditions (a JSON line, an HTTP answer), bounded in time.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const MODEL = 'test/echo-1';

export async function waitFor(what, fn, timeoutMs = 20000, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ': ' + last : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class Grid {
  constructor(aipg) {
    this.aipg = aipg;
    this.dir = mkdtempSync(join(tmpdir(), 'aipg-api-'));
    this.procs = new Map();
    this.bootAddr = null;
  }

  // Starts `aipg args…` as `name`; resolves with the first stdout JSON line whose event is
  // `ready`.
  start(name, args, ready) {
    const proc = spawn(this.aipg, ['--log-level', 'warn', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = { proc, lines: [], stderr: '' };
    this.procs.set(name, entry);
    proc.stderr.on('data', (d) => {
      entry.stderr += d;
      if (process.env.AIPG_TEST_VERBOSE) process.stderr.write(`[${name}] ${d}`);
    });
    const rl = createInterface({ input: proc.stdout });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: no ${ready} line in 20 s; stderr: ${entry.stderr}`)),
        20000,
      );
      rl.on('line', (line) => {
        let o;
        try {
          o = JSON.parse(line);
        } catch {
          return;
        }
        entry.lines.push(o);
        if (o.event === ready) {
          clearTimeout(timer);
          resolve(o);
        }
      });
      proc.on('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? sig}) before ready; stderr: ${entry.stderr}`));
      });
    });
  }

  key(name) {
    return join(this.dir, `${name}.key`);
  }

  hostArgs(name) {
    const a = ['--key', this.key(name), '--listen', '/ip4/127.0.0.1/tcp/0'];
    if (this.bootAddr) a.push('--bootstrap', this.bootAddr);
    return a;
  }

  async bootstrap() {
    const o = await this.start('boot', ['bootstrap', ...this.hostArgs('boot')], 'listening');
    this.bootAddr = o.addrs[0];
    return this.bootAddr;
  }

  // An API node; resolves with its base URL. `extra` are more flags.
  async node(name, extra = []) {
    const args = ['node', ...this.hostArgs(name), '--http', '127.0.0.1:0',
      '--data-dir', join(this.dir, name), ...extra];
    const o = await this.start(name, args, 'node_ready');
    return `http://${o.http}`;
  }

  // A worker; resolves with its ready line (`peer_id`, `name`). The process is spawned before
  // this returns, so a test can act while it starts.
  worker(name, extra = []) {
    const args = ['worker', ...this.hostArgs(name), '--model', MODEL, '--name', name, ...extra];
    return this.start(name, args, 'worker_ready');
  }

  kill(name, signal = 'SIGKILL') {
    const e = this.procs.get(name);
    if (!e) return Promise.resolve();
    this.procs.delete(name);
    if (e.proc.exitCode !== null || e.proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      e.proc.on('exit', () => resolve());
      e.proc.kill(signal);
    });
  }

  async stop() {
    await Promise.all([...this.procs.keys()].map((n) => this.kill(n, 'SIGTERM')));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function getJson(url, init) {
  const r = await fetch(url, init);
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body, headers: r.headers };
}

export function postJson(url, body, headers = {}) {
  return getJson(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Until the node lists `count` live workers for MODEL.
export function workerKnown(base, count = 1, headers = {}) {
  return waitFor(`${count} worker(s) for ${MODEL} at ${base}`, async () => {
    const r = await getJson(`${base}/api/v2/status/models?type=text`, { headers });
    return r.status === 200 && r.body.some((m) => m.name === MODEL && m.count >= count);
  });
}

// The test backend's answer (worker/test_backend.cpp): what a test expects back.
export function echoText(worker, generation, prompt) {
  return `echo(${MODEL}@${worker}, g${generation}): ${prompt}`;
}

// POST /api/v2/generate/text/async for MODEL; resolves with the job id (asserts the 202).
export async function submitText(base, prompt, params = {}) {
  const r = await postJson(`${base}/api/v2/generate/text/async`, {
    prompt, models: [MODEL], params: { max_length: 60, ...params },
  });
  if (r.status !== 202) throw new Error(`submit to ${base}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

// What a failing test should show of a node: rejected grid messages by reason, validation
// verdicts, its book's jobs by state and the peers it thinks live.
export async function gridMetrics(base) {
  try {
    const text = await fetch(`${base}/metrics`).then((r) => r.text());
    const keep =
      /^aipg_(grid_rejected_total|grid_validation_total|jobs\{|workers_live|api_nodes_live)/;
    return text.split('\n').filter((l) => keep.test(l)).join(', ') || '(none)';
  } catch (e) {
    return `no /metrics: ${e.message}`;
  }
}

function describe(s) {
  if (!s) return 'never answered';
  if (s.http) return `HTTP ${s.http} ${JSON.stringify(s.body)}`;
  return `${s.state} (finished ${s.finished}, processing ${s.processing}, waiting ${s.waiting}, ` +
    `restarted ${s.restarted}, generations ${s.generations?.length ?? 0}` +
    `${s.is_possible === false ? `, not possible: ${s.message}` : ''})`;
}

// Done with a text for each of its generations.
export const doneWithText = (s) => s.done === true && s.generations.length === s.finished &&
  s.generations.every((g) => typeof g.text === 'string' && g.text.length > 0);

// Polls every job of `ids` on every node of `nodes` ({name: base URL}) until `pred` holds for
// its status on all of them; resolves with {id: {node: status}}. Past `timeoutMs` it fails
// naming each job still short, its state on each node, and each node's grid metrics (a stuck
// job is usually explained by a rejection count or a book that never heard of it).
export async function jobsOnAll(nodes, ids, { pred = doneWithText, timeoutMs = 60000 } = {}) {
  const last = Object.fromEntries(ids.map((id) => [id, {}]));
  const ok = (id) => Object.keys(nodes).every((n) => last[id][n] && !last[id][n].http &&
    pred(last[id][n]));
  const poll = async () => {
    await Promise.all(ids.filter((id) => !ok(id)).flatMap((id) =>
      Object.entries(nodes).map(async ([n, base]) => {
        const r = await getJson(`${base}/api/v2/generate/text/status/${id}`);
        last[id][n] = r.status === 200 ? r.body : { http: r.status, body: r.body };
      })));
    return ids.every(ok);
  };
  try {
    await waitFor('jobs', poll, timeoutMs, 250);
  } catch (e) {
    const short = ids.filter((id) => !ok(id)).map((id) => `job ${id}: ` +
      Object.keys(nodes).map((n) => `${n} ${describe(last[id][n])}`).join('; '));
    const metrics = await Promise.all(Object.entries(nodes).map(async ([n, base]) =>
      `${n}: ${await gridMetrics(base)}`));
    throw new Error(`${short.length} of ${ids.length} job(s) not as expected on every node ` +
      `within ${timeoutMs / 1000} s (${e.message}):\n  ${short.join('\n  ')}\n` +
      `metrics:\n  ${metrics.join('\n  ')}`);
  }
  return last;
}
