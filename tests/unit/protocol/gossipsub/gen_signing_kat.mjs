// Prints the known answer that signing_test.cpp (JsKnownAnswer) hard-codes: a StrictSign
// message made by js-libp2p's gossipsub itself (@libp2p/gossipsub 17.1.1, its internal
// buildRawMessage, reached by file path), with a fixed key, topic, data and seqno.
//
// Rerun (from the repository root, with a checkout that has node_modules, /work/main here):
//   node tests/unit/protocol/gossipsub/gen_signing_kat.mjs /work/main
//
// buildRawMessage takes its seqno from a module counter seeded with Date.now() at import
// (wall-clock nanoseconds, then +1 a message); pinning Date.now before the import makes the
// first seqno kFixedMillis × 10^6 + 1. As a cross-check the script also signs the spec's
// payload ("libp2p-pubsub:" ‖ Message{from, data, seqno, topic}) directly with @libp2p/crypto,
// and has js's own validator (validateToRawMessage) accept the message with `key` omitted,
// as we send it.
const root = process.argv[2] ?? '/work/main'
await import(`${root}/tests/interop/js/lib/runtime.mjs`) // must precede anything libp2p
const { privateKeyFromSeedHex } = await import(`${root}/tests/interop/js/lib/keys.mjs`)
const { bytesToHex } = await import(`${root}/tests/interop/js/lib/cli.mjs`)
const { peerIdFromPrivateKey } = await import(`${root}/node_modules/@libp2p/peer-id/dist/src/index.js`)

const kSeedHex = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
const kTopic = 'aipg/kat/1'
const kData = new TextEncoder().encode('hello gossipsub')
const kFixedMillis = 1700000000000

const realNow = Date.now
Date.now = () => kFixedMillis
const gs = `${root}/node_modules/@libp2p/gossipsub/dist/src`
const { buildRawMessage, validateToRawMessage, SignPrefix } = await import(`${gs}/utils/buildRawMessage.js`)
const { getPublishConfigFromPeerId } = await import(`${gs}/utils/publishConfig.js`)
const { RPC } = await import(`${gs}/message/rpc.js`)
Date.now = realNow

const key = await privateKeyFromSeedHex(kSeedHex)
const peerId = peerIdFromPrivateKey(key)
const config = getPublishConfigFromPeerId('StrictSign', peerId, key)
const { raw } = await buildRawMessage(config, kTopic, kData, kData)

// Cross-check 1: the documented payload, signed directly.
const payload = RPC.Message.encode({ from: raw.from, data: raw.data, seqno: raw.seqno, topic: raw.topic })
const direct = await key.sign(new Uint8Array([...SignPrefix, ...payload]))
if (bytesToHex(direct) !== bytesToHex(raw.signature)) throw new Error('direct signature differs')

// Cross-check 2: js accepts the message without `key` (the id inlines the Ed25519 key).
const keyless = { ...raw, key: undefined }
const v = await validateToRawMessage('StrictSign', keyless)
if (!v.valid) throw new Error(`js refuses the keyless message: ${v.error}`)

console.log(JSON.stringify({
  seed: kSeedHex,
  topic: kTopic,
  data: new TextDecoder().decode(kData),
  seqno: bytesToHex(raw.seqno),
  from: bytesToHex(raw.from),
  signature: bytesToHex(raw.signature),
  message_without_key: bytesToHex(RPC.Message.encode(keyless))
}, null, 2))
