// Output discipline shared by every subcommand: stdout carries only JSON lines
// (machine-parsed by the C++ tests), stderr carries human diagnostics.
import { fstatSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { isatty } from 'node:tty'

/** Print one JSON object as a line on stdout. */
export function emit (event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n')
}

/** Diagnostics go to stderr so they never corrupt the JSON stream. */
export function log (...args) {
  process.stderr.write(`[peer.mjs] ${args.join(' ')}\n`)
}

/**
 * Exit once stdout has been flushed: process.exit() right after a write to a
 * pipe may drop the last line, which is exactly the line a test waits for.
 */
export function exitAfterFlush (code) {
  process.stdout.write('', () => process.exit(code))
}

/** Report a failure as a JSON error line and exit non-zero. */
export function fail (message, code = 1) {
  emit('error', { message })
  exitAfterFlush(code)
}

/** Reject with a descriptive error if `promise` takes longer than `ms`. */
export async function withTimeout (promise, ms, what) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Parse an integer option, rejecting garbage instead of silently using NaN. */
export function intOption (value, name) {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`)
  return n
}

export function hexToBytes (hex) {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not a hex string: ${hex}`)
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

export function bytesToHex (bytes) {
  return Buffer.from(bytes).toString('hex')
}

/**
 * Resolve on SIGTERM/SIGINT, or when stdin reaches EOF if stdin is a pipe,
 * socket or terminal. /dev/null (a background job's stdin) is deliberately not
 * watched: it is at EOF from the start and would stop the node at once.
 *
 * Without `onLine` stdin is discarded and only its EOF matters. With it, each
 * stdin line (without its newline) is passed to `onLine`, and at EOF `onEof`
 * is awaited before resolving (the caller's chance to finish its work).
 */
export function untilShutdownRequested ({ onLine = null, onEof = null } = {}) {
  return new Promise(resolve => {
    // `on`, not `once`: GNU timeout (lib.sh runs us under it) passes a SIGTERM on to us and to
    // its whole process group, so a second one can come while we shut down, and with no
    // listener left node's default action would kill us (exit status 143).
    let stopping = false
    const done = why => {
      if (stopping) return
      stopping = true
      log(`shutting down: ${why}`)
      resolve()
    }
    process.on('SIGTERM', () => done('SIGTERM'))
    process.on('SIGINT', () => done('SIGINT'))
    if (!stdinCanSignalEof()) return
    if (onLine == null) {
      process.stdin.on('data', () => {}) // discard input; only EOF matters
      process.stdin.once('end', () => done('stdin closed'))
      return
    }
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
    lines.on('line', onLine)
    lines.once('close', () => {
      Promise.resolve(onEof?.())
        .catch(err => log(`at stdin EOF: ${err.message}`))
        .then(() => done('stdin closed'))
    })
  })
}

export function stdinCanSignalEof () {
  try {
    const st = fstatSync(0)
    return st.isFIFO() || st.isSocket() || isatty(0)
  } catch {
    return false
  }
}
