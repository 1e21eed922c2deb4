// Deterministic identities: the C++ side checks its peer-id derivation against
// these, so keys come from a caller-supplied seed rather than randomness.
import { generateKeyPair, generateKeyPairFromSeed, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { bytesToHex, hexToBytes } from './cli.mjs'

/** Ed25519 private key from a 32-byte hex seed, or a random one when absent. */
export async function privateKeyFromSeedHex (seedHex) {
  if (seedHex == null) return generateKeyPair('Ed25519')
  const seed = hexToBytes(seedHex)
  if (seed.length !== 32) throw new Error(`--seed must be 32 bytes (64 hex digits), got ${seed.length}`)
  return generateKeyPairFromSeed('Ed25519', seed)
}

/** The fields of the `peerid` output line. */
export function describeKey (privateKey) {
  return {
    peer_id: peerIdFromPrivateKey(privateKey).toString(),
    public_key_protobuf_hex: bytesToHex(publicKeyToProtobuf(privateKey.publicKey))
  }
}
