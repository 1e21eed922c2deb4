// Per-message costs of gossipsub on one core: Ed25519 signing and verification of a 1 KiB
// message (libsodium, against OpenSSL 3 for the verification), decoding an RPC frame, and a
// router relaying one message to a mesh of 6 (verification included). Run:
//   build/release/bench/gossipsub_bench
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include "io/sim/seeded_rng.hpp"
#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/router.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace {

using namespace aipg;
using namespace aipg::gossipsub;

wire::KeyPair key(uint8_t n) { return *wire::KeyPair::from_seed(Bytes(32, n)); }

MessagePtr one_kib(uint64_t seqno) {
  return make_signed_message(key(1), "bench", Bytes(1024, 'x'), seqno);
}

void BM_Sign1KiB(benchmark::State& state) {
  wire::KeyPair k = key(1);
  uint64_t seqno = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(make_signed_message(k, "bench", Bytes(1024, 'x'), ++seqno));
  }
}
BENCHMARK(BM_Sign1KiB);

void BM_VerifyStrictSign1KiB(benchmark::State& state) {
  MessagePtr m = one_kib(1);
  for (auto _ : state) benchmark::DoNotOptimize(verify_strict_sign(*m));
}
BENCHMARK(BM_VerifyStrictSign1KiB);

void BM_OpenSslVerify1KiB(benchmark::State& state) {
  MessagePtr m = one_kib(1);
  Bytes payload = to_bytes("libp2p-pubsub:");
  append(payload, signing_bytes(*m));
  auto pub = wire::PeerId::from_multihash(*m->from)->public_key()->raw();
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size());
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey);
    benchmark::DoNotOptimize(EVP_DigestVerify(ctx, m->signature->data(), m->signature->size(),
                                              payload.data(), payload.size()));
    EVP_MD_CTX_free(ctx);
  }
  EVP_PKEY_free(pkey);
}
BENCHMARK(BM_OpenSslVerify1KiB);

void BM_DecodeRpc1KiB(benchmark::State& state) {
  Rpc rpc;
  rpc.publish.push_back(one_kib(1));
  Bytes frame = encode_rpc(rpc);
  CodecLimits limits;
  for (auto _ : state) benchmark::DoNotOptimize(decode_rpc(frame, limits));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(frame.size()));
}
BENCHMARK(BM_DecodeRpc1KiB);

void BM_RouterRelay1KiB(benchmark::State& state) {
  io::sim::SeededRng rng(1);
  GossipsubConfig cfg;
  Router router(key(0), cfg, rng, 1);
  Instant now{};
  router.subscribe("bench", now);
  for (uint8_t i = 2; i < 9; ++i) {
    PeerId p = PeerId::from_public_key(key(i).public_key());
    router.add_peer(p, PeerKind::kGossipsubV12, false, now);
    Rpc sub;
    sub.subscriptions.push_back({true, "bench"});
    router.handle_rpc(p, std::move(sub), now);
  }
  router.heartbeat(now);
  router.take_outgoing();
  const PeerId source = PeerId::from_public_key(key(2).public_key());
  uint64_t seqno = 0;
  std::vector<MessagePtr> msgs;
  for (int i = 0; i < 4096; ++i) msgs.push_back(one_kib(++seqno));
  size_t i = 0;
  for (auto _ : state) {
    if (i == msgs.size()) {
      state.PauseTiming();
      for (auto& m : msgs) m = one_kib(++seqno);
      i = 0;
      state.ResumeTiming();
    }
    Rpc rpc;
    rpc.publish.push_back(msgs[i++]);
    router.handle_rpc(source, std::move(rpc), now);
    benchmark::DoNotOptimize(router.take_outgoing());
    benchmark::DoNotOptimize(router.take_deliveries());
  }
}
BENCHMARK(BM_RouterRelay1KiB);

}  // namespace

BENCHMARK_MAIN();
