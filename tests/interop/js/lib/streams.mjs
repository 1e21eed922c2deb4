// Byte-level helpers over libp2p 3.x streams, whose API is message based:
// `send()` returns false when the local buffer is full (then wait `onDrain()`),
// iterating the stream yields chunks until the remote closes its write side.

export const CHUNK = 64 * 1024 // matches yamux's default max message size

/** A chunk may be a Uint8Array or a Uint8ArrayList; flatten the latter. */
export function toBytes (chunk) {
  return chunk instanceof Uint8Array ? chunk : chunk.subarray()
}

/** Write `data` in CHUNK-sized pieces, honouring backpressure. */
export async function sendAll (stream, data, options) {
  for (let off = 0; off < data.byteLength; off += CHUNK) {
    if (!stream.send(data.subarray(off, off + CHUNK))) await stream.onDrain(options)
  }
}

/**
 * Write `count` filler bytes (a number or BigInt, perf allows up to 2^64-1)
 * without materialising them: one zero chunk is reused, which is safe because
 * the stream only keeps references and nobody mutates it.
 */
export async function sendCount (stream, count, options) {
  const filler = new Uint8Array(CHUNK)
  let left = BigInt(count)
  const chunk = BigInt(CHUNK)
  while (left > 0n && stream.writeStatus === 'writable') {
    const n = left < chunk ? Number(left) : CHUNK
    if (!stream.send(n === CHUNK ? filler : filler.subarray(0, n))) await stream.onDrain(options)
    left -= BigInt(n)
  }
}

/** Read until the remote closes its write side; return the byte count. */
export async function drain (stream) {
  let total = 0
  for await (const chunk of stream) total += chunk.byteLength
  return total
}

/**
 * Read until EOF, checking every byte against `expected`. Throws on the first
 * mismatch, on excess data, or on a short stream, naming the offset.
 */
export async function readAndVerify (stream, expected, label) {
  const want = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)
  let off = 0
  for await (const raw of stream) {
    const chunk = toBytes(raw)
    if (off + chunk.byteLength > want.length) {
      throw new Error(`${label}: received more than ${want.length} bytes`)
    }
    const got = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (!got.equals(want.subarray(off, off + got.length))) {
      throw new Error(`${label}: mismatch within bytes ${off}..${off + got.length}`)
    }
    off += got.length
  }
  if (off !== want.length) throw new Error(`${label}: stream ended after ${off} of ${want.length} bytes`)
}

/**
 * Deterministic pseudo-random bytes (xorshift32), distinct per `seed`, so the
 * echo check catches bytes crossed between streams, not just corrupted ones.
 */
export function pattern (seed, length) {
  const words = new Uint32Array(Math.ceil(length / 4))
  let x = (Math.imul(seed + 1, 0x9e3779b9) ^ 0x5bd1e995) >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    words[i] = x
  }
  return new Uint8Array(words.buffer, 0, length)
}
