// The pubsub RPC encoded by hand (libp2p/specs pubsub/README.md), for the
// `inject` stand-in, which must send what a real gossipsub router never would.
// Only the parts it needs: subscriptions and published messages.
//
//   message RPC     { repeated SubOpts subscriptions = 1; repeated Message publish = 2; }
//   message SubOpts { optional bool subscribe = 1; optional string topicid = 2; }
//   message Message { optional bytes from = 1; optional bytes data = 2; optional bytes seqno = 3;
//                     optional string topic = 4; optional bytes signature = 5; optional bytes key = 6; }
//
// Fields are written in field-number order, the canonical encoding every
// implementation re-creates when it verifies a signature.

const LEN = 2 // wire type: length-delimited
const VARINT = 0

export const SIGN_PREFIX = new TextEncoder().encode('libp2p-pubsub:')

/** Unsigned LEB128 of a non-negative number or BigInt. */
export function uvarint (value) {
  let n = BigInt(value)
  if (n < 0n) throw new Error(`uvarint of a negative number: ${value}`)
  const out = []
  do {
    let byte = Number(n & 0x7fn)
    n >>= 7n
    if (n > 0n) byte |= 0x80
    out.push(byte)
  } while (n > 0n)
  return Uint8Array.from(out)
}

export function concatBytes (parts) {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

const key = (field, wireType) => uvarint((field << 3) | wireType)

function bytesField (field, bytes) {
  return concatBytes([key(field, LEN), uvarint(bytes.length), bytes])
}

const stringField = (field, text) => bytesField(field, new TextEncoder().encode(text))
const boolField = (field, value) => concatBytes([key(field, VARINT), uvarint(value ? 1 : 0)])

/** SubOpts{subscribe = 1, topicid = 2}. */
export function encodeSubOpts ({ subscribe, topic }) {
  return concatBytes([boolField(1, subscribe), stringField(2, topic)])
}

/** Message{from = 1, data = 2, seqno = 3, topic = 4, signature = 5, key = 6}; absent fields are skipped. */
export function encodeMessage ({ from, data, seqno, topic, signature, key: publicKey }) {
  const parts = []
  if (from != null) parts.push(bytesField(1, from))
  if (data != null) parts.push(bytesField(2, data))
  if (seqno != null) parts.push(bytesField(3, seqno))
  if (topic != null) parts.push(stringField(4, topic))
  if (signature != null) parts.push(bytesField(5, signature))
  if (publicKey != null) parts.push(bytesField(6, publicKey))
  return concatBytes(parts)
}

/** RPC{subscriptions = 1, publish = 2}. */
export function encodeRpc ({ subscriptions = [], messages = [] }) {
  return concatBytes([
    ...subscriptions.map(s => bytesField(1, encodeSubOpts(s))),
    ...messages.map(m => bytesField(2, encodeMessage(m)))
  ])
}

/** The stream framing of every pubsub RPC: uvarint length, then the bytes. */
export function lengthPrefixed (bytes) {
  return concatBytes([uvarint(bytes.length), bytes])
}

/** The 8-byte big-endian seqno field. */
export function seqnoBytes (seqno) {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(seqno), false)
  return out
}

/**
 * StrictSign signature: the author's key signs "libp2p-pubsub:" followed by the
 * Message with fields 1-4 only (from, data, seqno, topic).
 */
export async function signMessage (privateKey, { from, data, seqno, topic }) {
  const unsigned = encodeMessage({ from, data, seqno, topic })
  return privateKey.sign(concatBytes([SIGN_PREFIX, unsigned]))
}
