import { setMaxListeners } from 'node:events'

// Runtime setup that must happen before libp2p loads.

// Node 20 lacks Promise.withResolvers, which libp2p 3.x calls (via it-queue and
// friends). This module must be evaluated before anything imports libp2p, so
// peer.mjs imports it first (ES modules evaluate in import order).
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

// One abort signal legitimately guards many streams at once (100 concurrent
// echo streams); lift Node's leak heuristic so it does not spam stderr.
setMaxListeners(Infinity)
