// gossipsub benchmark for the `gossip` node, the js twin of aipg's
// src/app/pubsub_bench.cpp: the same payload, the same pacing rules and the
// same two JSON lines, so `bench/gossip_relay.sh` can put both side by side.
//
// Payload: 8 bytes big-endian wall clock in nanoseconds at publish ‖ 8 bytes
// big-endian index ‖ 'x' up to the message size. The clock is the system
// clock (C++ std::chrono::system_clock), so latencies across processes and
// implementations on one machine are comparable.
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import { emit, intOption, log } from './cli.mjs'

const MAX_QUEUED = 1 << 20 // as kMaxQueued: stop generating while a peer's stream holds 1 MiB unsent
const YIELD_EVERY = 64 // saturating mode: let the event loop write after this many publishes
const START_DELAY_MS = 2000 // after the first topic peer appears: lets meshes form
const PEER_POLL_MS = 50
const PACE_TICK_MS = 1 // paced mode: wake-up period (node timers have 1 ms resolution)
const IDLE_CHECK_MS = 250

// Wall clock in ns with sub-ms resolution: timeOrigin (µs-precise wall time at
// process start) plus the monotonic time since. Date.now() alone is ms-coarse.
const ORIGIN_NS = BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n
export function wallNowNs () {
  return ORIGIN_NS + BigInt(Math.round(performance.now() * 1e6))
}

export function benchPayload (index, size, nowNs) {
  const bytes = new Uint8Array(Math.max(size, 16)).fill(0x78) // 'x'
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, nowNs)
  view.setBigUint64(8, BigInt(index))
  return bytes
}

/** Bench options from the command line; `null` when neither mode is asked for. */
export function benchOptions (opts) {
  const publish = intOption(opts['bench-publish'] ?? '0', 'bench-publish')
  const receive = intOption(opts['bench-receive'] ?? '0', 'bench-receive')
  if (publish === 0 && receive === 0) return null
  if (publish > 0 && opts.pub == null) throw new Error('--bench-publish needs --pub TOPIC')
  const size = intOption(opts['bench-size'] ?? '1024', 'bench-size')
  if (size < 16 || size > 1048576) throw new Error(`--bench-size must be in [16, 1048576], got ${size}`)
  const rate = Number(opts['bench-rate'] ?? '0')
  if (!Number.isFinite(rate) || rate < 0) throw new Error(`--bench-rate must be a non-negative number, got ${opts['bench-rate']}`)
  const idleMs = intOption(opts['bench-idle'] ?? '5', 'bench-idle') * 1000
  const lingerMs = intOption(opts['bench-linger'] ?? '1', 'bench-linger') * 1000
  return { publish, receive, size, rate, idleMs, lingerMs, topic: opts.pub }
}

/** Bytes not yet written on our busiest outbound gossipsub stream. */
function maxQueuedBytes (pubsub) {
  let most = 0
  for (const stream of pubsub.streamsOutbound?.values() ?? []) {
    most = Math.max(most, stream.rawStream?.writeBufferLength ?? 0)
  }
  return most
}

/**
 * Wait until a peer is subscribed to the topic, then START_DELAY_MS, then
 * publish `count` messages: as fast as possible (rate 0) with at most
 * MAX_QUEUED bytes waiting on any peer's stream, or paced at `rate` per second.
 * Prints bench_published after the last publish call, then waits (bounded)
 * until every outbound stream has written what it holds.
 */
export async function benchPublish (pubsub, b, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (pubsub.getSubscribers(b.topic).length === 0) {
    if (Date.now() > deadline) throw new Error(`timeout after ${timeoutMs} ms: no peer subscribed to ${b.topic}`)
    await sleep(PEER_POLL_MS)
  }
  await sleep(START_DELAY_MS)
  const started = performance.now()
  let sent = 0
  while (sent < b.publish) {
    let due = b.publish
    if (b.rate > 0) due = Math.min(b.publish, Math.floor((performance.now() - started) / 1000 * b.rate) + 1)
    let burst = 0
    while (sent < due && maxQueuedBytes(pubsub) < MAX_QUEUED) {
      await pubsub.publish(b.topic, benchPayload(sent, b.size, wallNowNs()))
      ++sent
      if (b.rate === 0 && ++burst === YIELD_EVERY) break
    }
    if (sent >= b.publish) break
    if (b.rate === 0 && maxQueuedBytes(pubsub) < MAX_QUEUED) await yieldToLoop()
    else await sleep(PACE_TICK_MS)
  }
  const seconds = (performance.now() - started) / 1000
  emit('bench_published', { count: sent, size: b.size, seconds, msgs_per_s: seconds > 0 ? sent / seconds : 0 })
  // Up to MAX_QUEUED bytes per peer are still unsent: stopping the node now
  // would throw them away (js aborts its streams' write buffers on stop).
  const drainDeadline = Date.now() + timeoutMs
  while (maxQueuedBytes(pubsub) > 0 && Date.now() < drainDeadline) await sleep(10)
  if (maxQueuedBytes(pubsub) > 0) log(`bench publish: ${maxQueuedBytes(pubsub)} bytes still unsent after ${timeoutMs} ms`)
}

/** As the C++ pick(): the element at rank round(q·(n−1)) of the sorted values. */
function pick (sorted, q) {
  if (sorted.length === 0) return 0
  return sorted[Math.floor(q * (sorted.length - 1) + 0.5)]
}

/**
 * Record each message's latency (now − its timestamp). Resolves after the
 * `receive`-th message with the bench_received line; also, with what arrived
 * (plus `"incomplete":true,"expected":N`), after `idleMs` without a message
 * once the first came, or `timeoutMs` if none ever does. `finish()` prints
 * the line early (on shutdown); `done` resolves once it is printed.
 */
export function benchReceiver (pubsub, b, timeoutMs) {
  const latencies = new Float64Array(b.receive)
  let count = 0
  let firstNs = 0n
  let lastNs = 0n
  let lastAt = performance.now()
  let timer = null
  let finished = false
  const { promise, resolve } = Promise.withResolvers()
  const finish = () => {
    if (finished) return
    finished = true
    clearInterval(timer)
    pubsub.removeEventListener('message', onMessage)
    const sorted = latencies.slice(0, count).sort()
    const seconds = Number(lastNs - firstNs) / 1e9
    const incomplete = count < b.receive ? { incomplete: true, expected: b.receive } : {}
    emit('bench_received', {
      count,
      seconds,
      msgs_per_s: seconds > 0 ? (count - 1) / seconds : 0,
      p50_ms: pick(sorted, 0.5),
      p99_ms: pick(sorted, 0.99),
      max_ms: pick(sorted, 1),
      ...incomplete
    })
    resolve()
  }
  const onMessage = evt => {
    const data = evt.detail.data
    if (data == null || data.length < 16 || count >= b.receive) return
    const now = wallNowNs()
    const sentNs = new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(0)
    latencies[count++] = Number(now - sentNs) / 1e6
    if (count === 1) firstNs = now
    lastNs = now
    lastAt = performance.now()
    if (count === b.receive) finish()
  }
  pubsub.addEventListener('message', onMessage)
  timer = setInterval(() => {
    const quiet = performance.now() - lastAt
    if (count === 0 ? quiet > timeoutMs : quiet > b.idleMs) {
      log(`bench receive: ${count} of ${b.receive} messages, then ${Math.round(quiet)} ms without one`)
      finish()
    }
  }, IDLE_CHECK_MS)
  return { done: promise, finish }
}
