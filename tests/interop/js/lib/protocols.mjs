// The two application protocols the interop tests exercise, server and client
// sides. Both servers are written against the spec's half-close semantics, the
// behaviour the C++ yamux implementation must get right.
import { CHUNK, drain, pattern, readAndVerify, sendAll, sendCount, toBytes } from './streams.mjs'

export const ECHO = '/aipg/echo/1.0.0'
export const PERF = '/perf/1.0.0'

// Generous limits: the dial test opens 100 concurrent streams on one
// connection, above js-libp2p's per-protocol defaults (32 in / 64 out).
export const STREAM_LIMITS = { maxInboundStreams: 1024, maxOutboundStreams: 1024 }

/** Echo every byte back; close our write side once the remote closed theirs. */
export async function echoHandler (stream) {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}

/**
 * perf server (libp2p/specs perf/perf.md): read the u64 BE response size, read
 * the upload until EOF, only then send the requested bytes and close.
 */
export async function perfHandler (stream) {
  try {
    let header = new Uint8Array(0)
    for await (const raw of stream) {
      if (header.length < 8) header = concat(header, toBytes(raw))
    }
    if (header.length < 8) throw new Error('perf: stream ended before the 8-byte header')
    const toSend = new DataView(header.buffer, header.byteOffset, 8).getBigUint64(0, false)
    await sendCount(stream, toSend)
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}

function concat (a, b) {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

export async function registerProtocols (node) {
  await node.handle(ECHO, echoHandler, STREAM_LIMITS)
  await node.handle(PERF, perfHandler, STREAM_LIMITS)
}

/** Open a stream on an existing connection with our stream limits applied. */
export function openStream (connection, protocol, signal) {
  return connection.newStream(protocol, { ...STREAM_LIMITS, signal })
}

/**
 * One echo round trip: send `data`, half-close, and verify the exact same bytes
 * come back followed by EOF. Writing and reading run concurrently because the
 * echo server's output is bounded by yamux windows, so a writer that waited
 * for its whole upload first would deadlock on large payloads.
 */
export async function echoRoundTrip (connection, data, label, signal) {
  const stream = await openStream(connection, ECHO, signal)
  try {
    const writing = sendAll(stream, data, { signal }).then(() => stream.close({ signal }))
    await Promise.all([writing, readAndVerify(stream, data, label)])
  } catch (err) {
    stream.abort(err)
    throw err
  }
}

/** N concurrent echo streams of B bytes each, each with its own pattern. */
export async function echoMany (connection, streams, bytesEach, signal) {
  const payloads = Array.from({ length: streams }, (_, i) => pattern(i, bytesEach))
  const started = performance.now()
  await Promise.all(payloads.map((data, i) => echoRoundTrip(connection, data, `echo stream ${i}`, signal)))
  return (performance.now() - started) / 1000
}

/**
 * One perf exchange: ask for `download` bytes, upload `upload` bytes, close,
 * and count what comes back. Time runs from stream open to EOF, per the spec.
 */
export async function perfExchange (connection, upload, download, signal) {
  const started = performance.now()
  const stream = await openStream(connection, PERF, signal)
  try {
    const header = new Uint8Array(8)
    new DataView(header.buffer).setBigUint64(0, BigInt(download), false)
    stream.send(header)
    await sendCount(stream, upload, { signal })
    await stream.close({ signal })
    const received = await drain(stream)
    if (received !== download) throw new Error(`perf: expected ${download} bytes back, got ${received}`)
  } catch (err) {
    stream.abort(err)
    throw err
  }
  return (performance.now() - started) / 1000
}

/** Throughput over the echo protocol, for peers that lack /perf/1.0.0. */
export async function echoThroughput (connection, bytes, signal) {
  const data = new Uint8Array(Math.min(bytes, CHUNK))
  const started = performance.now()
  const stream = await openStream(connection, ECHO, signal)
  try {
    const writing = (async () => {
      for (let left = bytes; left > 0; left -= data.length) {
        await sendAll(stream, left >= data.length ? data : data.subarray(0, left), { signal })
      }
      await stream.close({ signal })
    })()
    const [, received] = await Promise.all([writing, drain(stream)])
    if (received !== bytes) throw new Error(`echo: expected ${bytes} bytes back, got ${received}`)
  } catch (err) {
    stream.abort(err)
    throw err
  }
  return (performance.now() - started) / 1000
}
