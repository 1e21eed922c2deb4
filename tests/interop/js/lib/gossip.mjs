// gossipsub for the interop peer: the `gossip` node (real @libp2p/gossipsub)
// and the `inject` stand-in (the meshsub wire protocol by hand, to send what a
// real router never would).
import { gossipsub } from '@libp2p/gossipsub'
import { createPeerScoreParams, createPeerScoreThresholds, createTopicScoreParams } from '@libp2p/gossipsub/score'
import { multiaddr } from '@multiformats/multiaddr'
import { bytesToHex, emit, intOption, log, untilShutdownRequested } from './cli.mjs'
import { benchOptions, benchPublish, benchReceiver } from './gossip_bench.mjs'
import { privateKeyFromSeedHex } from './keys.mjs'
import { createPeer, stopQuietly } from './node.mjs'
import { sendAll } from './streams.mjs'
import { encodeRpc, lengthPrefixed, seqnoBytes, signMessage } from './pubsub_wire.mjs'

export const MESHSUB_11 = '/meshsub/1.1.0'
const DEFAULT_DEGREES = { D: 6, Dlo: 4, Dhi: 12 } // go-libp2p's and js's defaults
const SCORES_EVERY_MS = 1000
const DRAIN_AFTER_EOF_MS = 1000 // let the last published messages leave before stopping
const INJECT_LINGER_MS = 2000 // keep the injector connected so the remote can score it

// ---------------------------------------------------------------- message ids

/** Lowercase hex of the 8-byte big-endian seqno. */
export function seqnoHex (seqno) {
  return BigInt(seqno).toString(16).padStart(16, '0')
}

/**
 * go-libp2p's default message id: the author's raw peer-id multihash bytes
 * followed by the raw 8-byte seqno. js's own default uses the public-key
 * protobuf instead, so IHAVE/IWANT between js and go (or aipg) would never
 * match; every node here uses this function.
 */
export function goMessageId (msg) {
  if (msg.type !== 'signed') throw new Error('StrictSign: message without author or seqno')
  const from = msg.from.toMultihash().bytes
  const id = new Uint8Array(from.length + 8)
  id.set(from, 0)
  id.set(seqnoBytes(msg.sequenceNumber), from.length)
  return id
}

/** `data` when the bytes are printable UTF-8 (tab allowed), else `data_base64`. */
export function describeData (bytes) {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    if (!/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(text)) return { data: text }
  } catch {}
  return { data_base64: Buffer.from(bytes).toString('base64') }
}

function describeMessage (msg) {
  return {
    topic: msg.topic,
    from: msg.from.toString(),
    seqno: seqnoHex(msg.sequenceNumber),
    id: bytesToHex(goMessageId(msg)),
    ...describeData(msg.data)
  }
}

// ---------------------------------------------------------------- options

/**
 * D/Dlo/Dhi from --d/--d-lo/--d-hi. Unset, they are go's 6/4/12; --d N alone
 * gives Dlo min(4, N) and Dhi 2N, so `--d 0` is the gossip-only node. Dscore
 * and Dout scale down so a small D stays consistent (Dout < Dlo, Dout <= D/2).
 */
export function degreeOptions (opts) {
  const pick = (name, fallback) => opts[name] == null ? fallback : intOption(opts[name], name)
  const D = pick('d', DEFAULT_DEGREES.D)
  const Dlo = pick('d-lo', Math.min(DEFAULT_DEGREES.Dlo, D))
  const Dhi = pick('d-hi', opts.d == null ? DEFAULT_DEGREES.Dhi : 2 * D)
  if (!(Dlo <= D && D <= Dhi)) throw new Error(`need --d-lo <= --d <= --d-hi, got ${Dlo}, ${D}, ${Dhi}`)
  const Dout = Math.min(2, Math.floor(D / 2), Math.max(Dlo - 1, 0))
  return { D, Dlo, Dhi, Dscore: Math.min(4, D), Dout }
}

/**
 * Peer scoring in which invalid messages count: P4 weight -100 (decay 0.9 per
 * second) on every subscribed topic. P3 (mesh delivery deficit) is off: test
 * topics are quiet and would otherwise push honest mesh peers negative. P6 (IP
 * colocation) is off: every test peer is on 127.0.0.1.
 */
export function scoreOptions (topics) {
  const topicParams = createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.9
  })
  return {
    scoreParams: createPeerScoreParams({
      topics: Object.fromEntries(topics.map(t => [t, topicParams])),
      IPColocationFactorWeight: 0
    }),
    scoreThresholds: createPeerScoreThresholds({
      gossipThreshold: -10,
      publishThreshold: -50,
      graylistThreshold: -80
    })
  }
}

/**
 * A gossip-only node (Dhi 0) must refuse every GRAFT. js accepts a GRAFT even
 * at Dhi from a peer *we* dialled (a defence against inbound mesh takeover),
 * and would keep that peer in the mesh until its next heartbeat prunes it.
 * Recording every connection as inbound closes that window, whoever dialled.
 */
function refuseEveryGraft (pubsub) {
  const outbound = pubsub.outbound
  if (!(outbound instanceof Map)) throw new Error('gossipsub internals changed: no `outbound` map, cannot build a gossip-only node')
  outbound.set = function (id) { return Map.prototype.set.call(this, id, false) }
}

// ---------------------------------------------------------------- gossip

export async function cmdGossip (opts) {
  const topics = opts.sub ?? []
  const degrees = degreeOptions(opts)
  const bench = benchOptions(opts)
  const ownPublishes = new WeakMap() // data bytes we publish -> the Message gossipsub built
  const msgIdFn = msg => {
    if (ownPublishes.has(msg.data)) ownPublishes.set(msg.data, msg)
    return goMessageId(msg)
  }
  const service = gossipsub({
    ...degrees,
    msgIdFn,
    globalSignaturePolicy: 'StrictSign',
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    fallbackToFloodsub: true,
    floodPublish: true,
    ...scoreOptions(topics)
  })
  const node = await createPeer({
    privateKey: await privateKeyFromSeedHex(opts.seed),
    port: intOption(opts.port, 'port'),
    gossipsub: service
  })
  const pubsub = node.services.pubsub
  if (degrees.Dhi === 0) refuseEveryGraft(pubsub)
  watchRouter(pubsub, { printMessages: !opts.quiet && !(bench?.receive > 0) })
  const receiver = bench?.receive > 0 ? benchReceiver(pubsub, bench, opts.timeoutMs) : null

  emit('listening', { peer_id: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
  for (const topic of topics) {
    pubsub.subscribe(topic)
    emit('subscribed', { topic })
  }
  for (const addr of opts.dial ?? []) {
    const connection = await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(opts.timeoutMs) })
    emit('connected', { peer_id: connection.remotePeer.toString() })
  }

  const scoreTimer = opts['print-scores'] ? printScoresEvery(pubsub, SCORES_EVERY_MS) : null
  if (bench != null) {
    // Bench mode: stdin is not published; stop once the benchmark is done.
    const work = [receiver?.done, bench.publish > 0 ? benchPublish(pubsub, bench, opts.timeoutMs) : null]
    const done = Promise.all(work).then(() => new Promise(resolve => setTimeout(resolve, bench.lingerMs)))
    await Promise.race([done, untilShutdownRequested()])
    receiver?.finish() // stopped early: print what arrived
  } else {
    const publisher = linePublisher(pubsub, opts.pub, ownPublishes)
    await untilShutdownRequested({
      onLine: publisher.line,
      onEof: async () => {
        await publisher.idle()
        await new Promise(resolve => setTimeout(resolve, DRAIN_AFTER_EOF_MS))
      }
    })
  }
  if (scoreTimer != null) clearInterval(scoreTimer)
  await stopQuietly(node, opts.timeoutMs)
  emit('stopped')
}

function watchRouter (pubsub, { printMessages }) {
  if (printMessages) pubsub.addEventListener('message', evt => emit('message', describeMessage(evt.detail)))
  pubsub.addEventListener('subscription-change', evt => {
    for (const { topic, subscribe } of evt.detail.subscriptions) {
      emit('peer_subscription', { peer_id: evt.detail.peerId.toString(), topic, subscribe })
    }
  })
  for (const kind of ['graft', 'prune']) {
    pubsub.addEventListener(`gossipsub:${kind}`, evt => {
      const { peerId, topic, direction } = evt.detail
      emit(kind, { peer_id: String(peerId), topic, direction })
    })
  }
}

/** Publishes stdin lines to `topic` one after another, in order. */
function linePublisher (pubsub, topic, ownPublishes) {
  let chain = Promise.resolve()
  let warned = false
  const publishLine = async text => {
    const data = new TextEncoder().encode(text)
    ownPublishes.set(data, null)
    let result
    try {
      result = await pubsub.publish(topic, data)
    } catch (err) {
      log(`publish to ${topic} failed: ${err.message}`)
      emit('publish_failed', { topic, message: err.message })
      return
    }
    const msg = ownPublishes.get(data)
    const ids = msg == null ? {} : { seqno: seqnoHex(msg.sequenceNumber), id: bytesToHex(goMessageId(msg)) }
    if (result.recipients.length === 0) {
      log(`published to ${topic} but no peer received it (no peer subscribed)`)
      emit('publish_failed', { topic, message: 'no peers subscribed to topic', ...ids })
      return
    }
    emit('published', { topic, ...ids, recipients: result.recipients.length })
  }
  return {
    line (text) {
      if (topic == null) {
        if (!warned) log('stdin line ignored: no --pub topic')
        warned = true
        return
      }
      chain = chain.then(() => publishLine(text))
    },
    idle: () => chain
  }
}

/**
 * Scores of every peer the router keeps a score record for: connected peers,
 * and disconnected ones whose non-positive score is retained.
 */
function printScoresEvery (pubsub, ms) {
  return setInterval(() => {
    const ids = new Set([...pubsub.getPeers().map(String), ...Object.keys(pubsub.dumpPeerScoreStats())])
    const scores = {}
    for (const id of [...ids].sort()) scores[id] = Math.round(pubsub.getScore(id) * 1000) / 1000
    const mesh = {}
    for (const topic of pubsub.getTopics().sort()) mesh[topic] = pubsub.getMeshPeers(topic).sort()
    emit('scores', { scores, mesh })
  }, ms)
}

// ---------------------------------------------------------------- inject

const INJECT_MODES = ['good', 'bad-signature']

async function discardStream (stream) {
  try {
    for await (const _ of stream) {} // eslint-disable-line no-unused-vars
  } catch {}
}

/**
 * Dial `addr` with a node that does not run gossipsub, open /meshsub/1.1.0 and
 * write hand-encoded RPCs: a subscription to the topic, then `count` StrictSign
 * messages ("inject-1"...), each signature spoiled after signing in
 * bad-signature mode.
 */
export async function cmdInject (opts, addr) {
  const topic = opts.topic
  if (topic == null) throw new Error('inject needs --topic T')
  const count = intOption(opts.count ?? '1', 'count')
  const mode = opts.mode ?? 'good'
  if (!INJECT_MODES.includes(mode)) throw new Error(`--mode must be ${INJECT_MODES.join(' or ')}, got ${mode}`)
  const privateKey = await privateKeyFromSeedHex(opts.seed)
  const node = await createPeer({ privateKey })
  // Accept (and ignore) the remote's own pubsub stream, so that identify lists
  // meshsub: js gossipsub forgets a peer (closing its stream) once identify
  // shows it without a pubsub protocol, which would race our messages.
  await node.handle(MESHSUB_11, discardStream)
  try {
    const signal = AbortSignal.timeout(opts.timeoutMs)
    const connection = await node.dial(multiaddr(addr), { signal })
    const stream = await connection.newStream(MESHSUB_11, { signal })
    const send = rpc => sendAll(stream, lengthPrefixed(encodeRpc(rpc)), { signal })
    await send({ subscriptions: [{ subscribe: true, topic }] })

    const from = node.peerId.toMultihash().bytes
    let seqno = BigInt(Date.now()) * 1_000_000n
    const ids = []
    for (let i = 1; i <= count; i++) {
      const msg = { from, data: new TextEncoder().encode(`inject-${i}`), seqno: seqnoBytes(++seqno), topic }
      const signature = Uint8Array.from(await signMessage(privateKey, msg))
      if (mode === 'bad-signature') signature[0] ^= 0xff
      await send({ messages: [{ ...msg, signature }] })
      ids.push(bytesToHex(from) + seqnoHex(seqno))
    }
    emit('injected', { count, mode, peer_id: node.peerId.toString(), ids })
    await new Promise(resolve => setTimeout(resolve, INJECT_LINGER_MS))
    await stream.close({ signal: AbortSignal.timeout(opts.timeoutMs) }).catch(err => log(`stream close: ${err.message}`))
  } finally {
    await stopQuietly(node, opts.timeoutMs)
  }
}
