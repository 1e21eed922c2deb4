// Feeds arbitrary bytes to the three noise inputs a peer controls: a responder's handshake, an
// initiator's handshake after message 1, and a Transport with a fixed key. The first byte picks
// the chunk size, so frames also arrive split across calls. Nothing may crash; a failure must
// stay a failure.
#include <cstdlib>

#include "protocol/noise/handshake.hpp"
#include "protocol/noise/transport.hpp"

namespace {

using namespace aipg;
using namespace aipg::noise;

const wire::KeyPair& fuzz_identity() {
  static const wire::KeyPair kp = *wire::KeyPair::from_seed(Bytes(32, 0x01));
  return kp;
}

HandshakeParams fuzz_params() {
  HandshakeParams p;
  p.identity = &fuzz_identity();
  p.static_secret.fill(0x11);
  p.ephemeral_secret.fill(0x22);
  p.stream_muxers = {"/yamux/1.0.0"};
  return p;
}

// Feeds `in` in chunks of `chunk` bytes; stops at the first error, after which every further
// call must fail too.
template <class F>
void feed(BytesView in, size_t chunk, F&& f) {
  while (!in.empty()) {
    const size_t n = std::min(chunk, in.size());
    if (!f(in.first(n))) {
      if (f(in.first(n))) std::abort();  // failed must be for good
      return;
    }
    in = in.subspan(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = data[0] == 0 ? size : data[0];
  BytesView in(data + 1, size - 1);

  {
    Handshake r(Role::kResponder, fuzz_params());
    feed(in, chunk, [&](BytesView b) { return bool(r.on_bytes(b)); });
    Bytes out;
    r.take_output(out);
    if (r.done() && !r.finish()) std::abort();
  }
  {
    Handshake i(Role::kInitiator, fuzz_params());
    if (!i.start()) std::abort();
    Bytes out;
    i.take_output(out);
    feed(in, chunk, [&](BytesView b) { return bool(i.on_bytes(b)); });
    if (i.done() && !i.finish()) std::abort();
  }
  {
    CipherState send, recv;
    Key k{};
    send.initialize_key(k);
    recv.initialize_key(k);
    Transport t(std::move(send), std::move(recv));
    Bytes pt;
    feed(in, chunk, [&](BytesView b) { return bool(t.decrypt(b, pt)); });
    // Whatever decrypted must re-encrypt into frames the size rules allow.
    Bytes ct;
    if (!t.encrypt(pt, ct)) std::abort();
    if (ct.size() != pt.size() + ((pt.size() + kMaxPlaintextSize - 1) / kMaxPlaintextSize) * 18) {
      std::abort();
    }
  }
  return 0;
}
