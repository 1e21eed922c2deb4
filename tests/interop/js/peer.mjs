#!/usr/bin/env node
// A real js-libp2p peer for aipg's interop tests. See README.md for the
// subcommands and the JSON lines each prints on stdout.
import './lib/runtime.mjs' // must precede every libp2p import
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { emit, exitAfterFlush, fail, intOption, log, untilShutdownRequested, withTimeout } from './lib/cli.mjs'
import { describeKey, privateKeyFromSeedHex } from './lib/keys.mjs'
import { cmdGossip, cmdInject } from './lib/gossip.mjs'
import { createPeer, describeIdentify, identifyOf, stopQuietly } from './lib/node.mjs'
import { ECHO, PERF, echoMany, echoThroughput, perfExchange } from './lib/protocols.mjs'

const USAGE = `usage:
  peer.mjs peerid --seed HEX32 [HEX32]...   (one line per seed)
  peer.mjs listen [--seed HEX32] [--port 0]
  peer.mjs dial MULTIADDR [--streams 100] [--bytes 1048576] [--expect-peer ID] [--expect-protocols p1,p2]
  peer.mjs perf MULTIADDR --bytes N [--mode auto|perf|echo]
  peer.mjs perf-local --bytes N [--mode auto|perf|echo]
  peer.mjs gossip [--seed HEX32] [--port 0] [--dial MULTIADDR]... [--sub TOPIC]... [--pub TOPIC]
                  [--d N --d-lo N --d-hi N] [--print-scores] [--quiet]   (stdin lines are published to --pub)
                  [--bench-publish N [--bench-size 1024] [--bench-rate R]] [--bench-receive N [--bench-idle 5]]
                  [--bench-linger 1]
  peer.mjs inject MULTIADDR --topic T [--seed HEX32] [--count 1] [--mode good|bad-signature]
common: [--timeout SECONDS] (default 30, applies to every individual wait)`

const OPTIONS = {
  seed: { type: 'string' },
  port: { type: 'string', default: '0' },
  streams: { type: 'string', default: '100' },
  bytes: { type: 'string', default: '1048576' },
  'expect-peer': { type: 'string' },
  'expect-protocols': { type: 'string' },
  mode: { type: 'string' }, // perf: auto (default) | perf | echo; inject: good (default) | bad-signature
  dial: { type: 'string', multiple: true },
  sub: { type: 'string', multiple: true },
  pub: { type: 'string' },
  d: { type: 'string' },
  'd-lo': { type: 'string' },
  'd-hi': { type: 'string' },
  'print-scores': { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  'bench-publish': { type: 'string' },
  'bench-receive': { type: 'string' },
  'bench-size': { type: 'string' },
  'bench-rate': { type: 'string' },
  'bench-idle': { type: 'string' },
  'bench-linger': { type: 'string' },
  topic: { type: 'string' },
  count: { type: 'string' },
  timeout: { type: 'string', default: '30' },
  help: { type: 'boolean', short: 'h' }
}

// ---------------------------------------------------------------- peerid

async function cmdPeerid (opts, ...moreSeeds) {
  if (opts.seed == null) throw new Error('peerid needs --seed HEX32')
  for (const seed of [opts.seed, ...moreSeeds]) emit('peerid', describeKey(await privateKeyFromSeedHex(seed)))
}

// ---------------------------------------------------------------- listen

async function cmdListen (opts) {
  const node = await createPeer({
    privateKey: await privateKeyFromSeedHex(opts.seed),
    port: intOption(opts.port, 'port')
  })
  node.addEventListener('peer:identify', evt => emit('peer', describeIdentify(evt.detail)))
  emit('listening', { peer_id: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
  await untilShutdownRequested()
  await withTimeout(node.stop(), opts.timeoutMs, 'node stop')
  emit('stopped')
}

// ---------------------------------------------------------------- dial

/** Dial `addr` (ending in /p2p/ID) and wait for identify of the remote. */
async function connect (node, addr, timeoutMs) {
  const ma = multiaddr(addr)
  const match = /\/p2p\/([^/]+)$/.exec(ma.toString())
  if (match == null) throw new Error(`address must end in /p2p/<peer id>: ${addr}`)
  const identified = identifyOf(node, match[1], timeoutMs)
  const connection = await node.dial(ma, { signal: AbortSignal.timeout(timeoutMs) })
  const identity = await identified
  emit('peer', describeIdentify(identity))
  return { connection, identity }
}

async function pingTimes (node, connection, count, timeoutMs) {
  for (let i = 0; i < count; i++) {
    const rtt = await node.services.ping.ping(connection.remotePeer, { signal: AbortSignal.timeout(timeoutMs) })
    emit('ping', { rtt_ms: rtt })
  }
}

/** Names each unmet expectation; an empty list means all hold. */
function unmetExpectations (opts, identity) {
  const failures = []
  const remote = identity.peerId.toString()
  if (opts['expect-peer'] != null && remote !== opts['expect-peer']) {
    failures.push(`expected peer ${opts['expect-peer']}, got ${remote}`)
  }
  const wanted = (opts['expect-protocols'] ?? '').split(',').filter(Boolean)
  for (const p of wanted) {
    if (!identity.protocols.includes(p)) failures.push(`identify does not list protocol ${p}`)
  }
  return failures
}

async function cmdDial (opts, addr) {
  const streams = intOption(opts.streams, 'streams')
  const bytesEach = intOption(opts.bytes, 'bytes')
  const node = await createPeer({ privateKey: await privateKeyFromSeedHex(opts.seed) })
  try {
    const { connection, identity } = await connect(node, addr, opts.timeoutMs)
    await pingTimes(node, connection, 3, opts.timeoutMs)
    const seconds = await withTimeout(
      echoMany(connection, streams, bytesEach, AbortSignal.timeout(opts.timeoutMs)),
      opts.timeoutMs, `echo of ${streams} x ${bytesEach} bytes`)
    emit('echo', { streams, bytes_each: bytesEach, ok: true, seconds })
    const failures = unmetExpectations(opts, identity)
    if (failures.length > 0) throw new Error(`expectations failed: ${failures.join('; ')}`)
    emit('done', { ok: true })
  } finally {
    await stopQuietly(node, opts.timeoutMs)
  }
}

// ---------------------------------------------------------------- perf

function perfLine (protocol, direction, bytes, seconds) {
  emit('perf', { protocol, direction, bytes, seconds, mib_per_s: bytes / (1024 * 1024) / seconds })
}

/**
 * Measure one stream's throughput. /perf/1.0.0 (when the remote lists it, or
 * when forced) gives upload and download separately; echo moves the bytes both
 * ways at once and is the fallback for peers without perf.
 */
async function measure (connection, protocols, bytes, mode, timeoutMs) {
  const usePerf = mode === 'perf' || (mode === 'auto' && protocols.includes(PERF))
  const step = (promise, what) => withTimeout(promise, timeoutMs, what)
  if (usePerf) {
    perfLine(PERF, 'upload', bytes,
      await step(perfExchange(connection, bytes, 0, AbortSignal.timeout(timeoutMs)), 'perf upload'))
    perfLine(PERF, 'download', bytes,
      await step(perfExchange(connection, 0, bytes, AbortSignal.timeout(timeoutMs)), 'perf download'))
  } else {
    perfLine(ECHO, 'echo', bytes,
      await step(echoThroughput(connection, bytes, AbortSignal.timeout(timeoutMs)), 'echo throughput'))
  }
}

function perfMode (opts) {
  const mode = opts.mode ?? 'auto'
  if (!['auto', 'perf', 'echo'].includes(mode)) throw new Error(`--mode must be auto, perf or echo, got ${mode}`)
  return mode
}

async function cmdPerf (opts, addr) {
  const bytes = intOption(opts.bytes, 'bytes')
  const mode = perfMode(opts)
  const node = await createPeer({ privateKey: await privateKeyFromSeedHex(opts.seed) })
  try {
    const { connection, identity } = await connect(node, addr, opts.timeoutMs)
    await measure(connection, identity.protocols, bytes, mode, opts.timeoutMs)
  } finally {
    await stopQuietly(node, opts.timeoutMs)
  }
}

/** js talking to js in one process: the baseline to compare the C++ host to. */
async function cmdPerfLocal (opts) {
  const bytes = intOption(opts.bytes, 'bytes')
  const mode = perfMode(opts)
  const server = await createPeer({ privateKey: await privateKeyFromSeedHex(opts.seed), port: 0 })
  const client = await createPeer({ privateKey: await privateKeyFromSeedHex() })
  try {
    const { connection, identity } = await connect(client, server.getMultiaddrs()[0].toString(), opts.timeoutMs)
    await measure(connection, identity.protocols, bytes, mode, opts.timeoutMs)
  } finally {
    await stopQuietly(client, opts.timeoutMs)
    await stopQuietly(server, opts.timeoutMs)
  }
}

// ---------------------------------------------------------------- main

const COMMANDS = {
  peerid: { run: cmdPeerid, positionals: 0, morePositionals: true },
  listen: { run: cmdListen, positionals: 0 },
  dial: { run: cmdDial, positionals: 1 },
  perf: { run: cmdPerf, positionals: 1 },
  'perf-local': { run: cmdPerfLocal, positionals: 0 },
  gossip: { run: cmdGossip, positionals: 0 },
  inject: { run: cmdInject, positionals: 1 }
}

async function main () {
  const { values: opts, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true })
  const [name, ...args] = positionals
  if (opts.help) { process.stderr.write(USAGE + '\n'); return }
  const command = COMMANDS[name]
  if (command == null) throw new Error(`unknown or missing subcommand ${name ?? ''}\n${USAGE}`)
  if (args.length !== command.positionals && !(command.morePositionals && args.length > command.positionals)) throw new Error(`${name} takes ${command.positionals} positional argument(s)\n${USAGE}`)
  opts.timeoutMs = intOption(opts.timeout, 'timeout') * 1000
  await command.run(opts, ...args)
}

main().then(
  () => exitAfterFlush(0),
  err => { log(err.stack ?? String(err)); fail(err.message) }
)
