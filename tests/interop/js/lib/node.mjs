// Building a js-libp2p node with exactly the stack the C++ host speaks:
// TCP + Noise + yamux, plus identify and ping (and gossipsub on request). No
// discovery, no relay, no autodial, so every connection in a test is one the
// test made.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { registerProtocols } from './protocols.mjs'
import { log, withTimeout } from './cli.mjs'

/**
 * Create and start a node; `port` null means "dial only, do not listen".
 * `gossipsub`, when given, is a service factory (`gossipsub(options)` from
 * @libp2p/gossipsub) installed as `node.services.pubsub`.
 */
export async function createPeer ({ privateKey, port = null, gossipsub = null }) {
  const services = { identify: identify(), ping: ping() }
  if (gossipsub != null) services.pubsub = gossipsub
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: port == null ? [] : [`/ip4/127.0.0.1/tcp/${port}`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services
  })
  await registerProtocols(node)
  await node.start()
  return node
}

/** The fields of the `peer` output line, from an identify result. */
export function describeIdentify (result) {
  return {
    peer_id: result.peerId.toString(),
    agent: result.agentVersion ?? null,
    protocol_version: result.protocolVersion ?? null,
    protocols: [...result.protocols].sort(),
    listen_addrs: result.listenAddrs.map(String),
    observed_addr: result.observedAddr == null ? null : String(result.observedAddr),
    // Set only when the remote's signed peer record opened and was its own (js-libp2p refuses
    // the whole identify otherwise).
    signed_peer_record: result.signedPeerRecord == null
      ? null
      : { seq: String(result.signedPeerRecord.seq), addrs: result.signedPeerRecord.addresses.map(String) }
  }
}

/**
 * Resolve with the identify result of `peerId`. Call before dialling: the
 * event can fire before the dial promise settles.
 */
export function identifyOf (node, peerId, ms) {
  let listener
  const seen = new Promise(resolve => {
    listener = evt => { if (evt.detail.peerId.toString() === peerId) resolve(evt.detail) }
    node.addEventListener('peer:identify', listener)
  })
  return withTimeout(seen, ms, `identify of ${peerId}`)
    .finally(() => node.removeEventListener('peer:identify', listener))
}

/** Stopping must not mask the real outcome or hang the process. */
export async function stopQuietly (node, timeoutMs) {
  try {
    await withTimeout(node.stop(), timeoutMs, 'node stop')
  } catch (err) {
    log(`stop failed: ${err.message}`)
  }
}
