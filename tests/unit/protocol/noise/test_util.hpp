// Helpers shared by the noise unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "base/bytes.hpp"

namespace aipg::noise::test {

inline Bytes hex(std::string_view h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << h;
  return out;
}

// 32 bytes start, start+1, ...
inline std::array<uint8_t, 32> seq32(uint8_t start) {
  std::array<uint8_t, 32> a;
  for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(start + i);
  return a;
}

// An Ed25519 seed of 31 zero bytes and then `last` (the js known-answer seeds).
inline Bytes seed_ending(uint8_t last) {
  Bytes s(32, 0);
  s[31] = last;
  return s;
}

inline Bytes pattern(size_t n, uint8_t salt = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i * 131 + salt + (i >> 8));
  return b;
}

}  // namespace aipg::noise::test

#include "protocol/noise/handshake.hpp"
#include "wire/keys.hpp"

namespace aipg::noise::test {

inline wire::KeyPair identity(uint8_t last) { return *wire::KeyPair::from_seed(seed_ending(last)); }

inline HandshakeParams params(const wire::KeyPair& id, uint8_t static_start,
                              uint8_t ephemeral_start) {
  HandshakeParams p;
  p.identity = &id;
  p.static_secret = seq32(static_start);
  p.ephemeral_secret = seq32(ephemeral_start);
  return p;
}

// Moves everything `from` has queued into `to`, `chunk` bytes per on_bytes call (0: all at once).
inline Status pump(Handshake& from, Handshake& to, size_t chunk = 0) {
  Bytes wire_bytes;
  from.take_output(wire_bytes);
  BytesView rest(wire_bytes);
  if (chunk == 0) chunk = rest.size() ? rest.size() : 1;
  while (!rest.empty()) {
    const size_t n = std::min(chunk, rest.size());
    AIPG_TRY(to.on_bytes(rest.first(n)));
    rest = rest.subspan(n);
  }
  return ok();
}

// Runs a whole handshake back to back; returns the first error either side reports.
inline Status run(Handshake& initiator, Handshake& responder, size_t chunk = 0) {
  AIPG_TRY(initiator.start());
  AIPG_TRY(responder.start());
  for (int round = 0; round < 3; ++round) {
    AIPG_TRY(pump(initiator, responder, chunk));
    AIPG_TRY(pump(responder, initiator, chunk));
  }
  return ok();
}

struct Pair {
  wire::KeyPair id_i = identity(1);
  wire::KeyPair id_r = identity(2);
  std::optional<HandshakeResult> i;
  std::optional<HandshakeResult> r;
};

// Two transports connected by a successful handshake.
inline std::unique_ptr<Pair> connected_pair() {
  auto p = std::make_unique<Pair>();
  Handshake hi(Role::kInitiator, params(p->id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, params(p->id_r, 0x50, 0x70));
  EXPECT_TRUE(run(hi, hr));
  auto ri = hi.finish();
  auto rr = hr.finish();
  EXPECT_TRUE(ri && rr);
  p->i.emplace(std::move(ri).value());
  p->r.emplace(std::move(rr).value());
  return p;
}

}  // namespace aipg::noise::test
