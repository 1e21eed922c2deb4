// ChaCha20-Poly1305 for noise transport frames: OpenSSL EVP (key set once, nonce per message,
// in place) against libsodium's crypto_aead_chacha20poly1305_ietf_*_detached, then the whole
// Transport (framing + encrypt + decrypt). Run:
//   build/release/bench/noise_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <sodium.h>

#include "protocol/noise/cipher_state.hpp"
#include "protocol/noise/transport.hpp"

namespace {

using namespace aipg;
using namespace aipg::noise;

constexpr size_t kFrame = kMaxPlaintextSize;  // a full 64 KiB noise frame

Key bench_key() {
  Key k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = uint8_t(i * 3 + 1);
  return k;
}

void BM_OpenSslSeal(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  ChaChaPoly aead;
  aead.set_key(bench_key());
  Bytes buf(n + kTagSize, 0x5a);
  uint64_t counter = 0;
  for (auto _ : state) {
    auto nonce = CipherState::nonce_bytes(counter++);
    aead.seal(nonce.data(), {}, BytesView(buf).first(n), buf.data());
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

void BM_OpenSslOpen(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  ChaChaPoly aead;
  aead.set_key(bench_key());
  const auto nonce = CipherState::nonce_bytes(7);
  Bytes sealed(n + kTagSize, 0x5a);
  aead.seal(nonce.data(), {}, BytesView(sealed).first(n), sealed.data());
  Bytes out(n);
  for (auto _ : state) {
    if (!aead.open(nonce.data(), {}, sealed, out.data())) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

void BM_SodiumSeal(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const Key key = bench_key();
  Bytes buf(n + kTagSize, 0x5a);
  uint64_t counter = 0;
  for (auto _ : state) {
    auto nonce = CipherState::nonce_bytes(counter++);
    unsigned long long maclen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf.data(), buf.data() + n, &maclen,
                                                       buf.data(), n, nullptr, 0, nullptr,
                                                       nonce.data(), key.data());
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

void BM_SodiumOpen(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  const Key key = bench_key();
  const auto nonce = CipherState::nonce_bytes(7);
  Bytes sealed(n + kTagSize, 0x5a);
  unsigned long long maclen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(sealed.data(), sealed.data() + n, &maclen,
                                                     sealed.data(), n, nullptr, 0, nullptr,
                                                     nonce.data(), key.data());
  Bytes out(n);
  for (auto _ : state) {
    if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(out.data(), nullptr, sealed.data(), n,
                                                           sealed.data() + n, nullptr, 0,
                                                           nonce.data(), key.data()) != 0) {
      state.SkipWithError("open failed");
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

// One write through the sender's Transport::encrypt and the receiver's Transport::decrypt,
// with buffers reused the way a connection reuses them.
void BM_TransportRoundTrip(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  CipherState a_send, b_recv;
  a_send.initialize_key(bench_key());
  b_recv.initialize_key(bench_key());
  CipherState a_recv, b_send;
  Key other = bench_key();
  other[0] ^= 1;
  a_recv.initialize_key(other);
  b_send.initialize_key(other);
  Transport a(std::move(a_send), std::move(a_recv));
  Transport b(std::move(b_send), std::move(b_recv));
  const Bytes data(n, 0x42);
  Bytes wire, plain;
  wire.reserve(n + n / 1000 + 64);
  plain.reserve(n);
  for (auto _ : state) {
    wire.clear();
    plain.clear();
    if (!a.encrypt(data, wire) || !b.decrypt(wire, plain)) state.SkipWithError("transport");
    benchmark::DoNotOptimize(plain.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

BENCHMARK(BM_OpenSslSeal)->Arg(1024)->Arg(kFrame);
BENCHMARK(BM_OpenSslOpen)->Arg(1024)->Arg(kFrame);
BENCHMARK(BM_SodiumSeal)->Arg(1024)->Arg(kFrame);
BENCHMARK(BM_SodiumOpen)->Arg(1024)->Arg(kFrame);
BENCHMARK(BM_TransportRoundTrip)->Arg(64 * 1024)->Arg(1024 * 1024);

}  // namespace

BENCHMARK_MAIN();
