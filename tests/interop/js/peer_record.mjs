#!/usr/bin/env node
// js-libp2p's signed peer records (@libp2p/peer-record), for aipg's interop test:
//   peer_record.mjs seal SEED_HEX32 SEQ MULTIADDR...   prints {"envelope_hex": ...}
//   peer_record.mjs open ENVELOPE_HEX                 prints {"peer_id", "seq", "addrs"} or fails
import { multiaddr } from '@multiformats/multiaddr'
import { PeerRecord, RecordEnvelope } from '@libp2p/peer-record'
import { peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id'
import { bytesToHex, hexToBytes } from './lib/cli.mjs'
import { privateKeyFromSeedHex } from './lib/keys.mjs'

const [mode, ...args] = process.argv.slice(2)
if (mode === 'seal') {
  const [seed, seq, ...addrs] = args
  const key = await privateKeyFromSeedHex(seed)
  const record = new PeerRecord({
    peerId: peerIdFromPrivateKey(key),
    seqNumber: BigInt(seq),
    multiaddrs: addrs.map((a) => multiaddr(a))
  })
  const envelope = await RecordEnvelope.seal(record, key)
  console.log(JSON.stringify({ envelope_hex: bytesToHex(envelope.marshal()) }))
} else if (mode === 'open') {
  const envelope = await RecordEnvelope.openAndCertify(hexToBytes(args[0]), PeerRecord.DOMAIN)
  const record = PeerRecord.createFromProtobuf(envelope.payload)
  const signer = peerIdFromPublicKey(envelope.publicKey)
  if (!record.peerId.equals(signer)) throw new Error('the record peer id is not the signer')
  console.log(JSON.stringify({
    peer_id: record.peerId.toString(),
    signer: signer.toString(),
    seq: record.seqNumber.toString(),
    addrs: record.multiaddrs.map((m) => m.toString())
  }))
} else {
  console.error('usage: peer_record.mjs seal SEED SEQ ADDR... | open HEX')
  process.exit(2)
}
