// Fuzzes the multistream-select negotiators with arbitrary peer bytes. Beyond "never crash": how
// the bytes are cut into reads must not matter, so each input is fed whole and in random splits,
// and the state, output, protocol and leftover must come out the same.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "protocol/multistream/negotiator.hpp"

namespace {

using namespace aipg;
using namespace aipg::multistream;

struct Outcome {
  State state;
  Bytes out;
  std::string protocol;
  Bytes leftover;
  bool operator==(const Outcome&) const = default;
};

// Feeds `in` in pieces whose sizes come from `seed` (0 = all at once), stopping at the first error.
Outcome feed(Negotiator& n, BytesView in, uint32_t seed) {
  Outcome o;
  size_t off = 0;
  Bytes leftover;
  while (off < in.size()) {
    size_t len = in.size() - off;
    if (seed != 0) {
      seed = seed * 1103515245u + 12345u;
      len = std::min<size_t>(len, 1 + (seed >> 16) % 64);
    }
    Status s = n.on_bytes(in.subspan(off, len));
    off += len;
    n.take_output(o.out);
    if (!s) {
      if (!n.failed() || !n.error() || n.error()->message != s.error().message) abort();
      break;
    }
    if (n.done()) append(leftover, n.take_leftover());
  }
  o.state = n.state();
  o.protocol = n.protocol();
  if (n.done()) {
    append(leftover, n.take_leftover());
    if (n.protocol().empty()) abort();
  }
  o.leftover = std::move(leftover);
  return o;
}

std::unique_ptr<Negotiator> make(int kind) {
  static const std::vector<std::string> kIds = {"/noise", "/yamux/1.0.0", "/ipfs/ping/1.0.0"};
  switch (kind) {
    case 0:
      return std::make_unique<Listener>(
          [](const std::string& p) { return p == "/noise" || p == "/yamux/1.0.0"; });
    case 1:
      return std::make_unique<Listener>(kIds);
    default:
      return std::make_unique<Dialer>(kIds);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint32_t seed = uint32_t(data[0]) | uint32_t(data[1]) << 8 | uint32_t(data[2]) << 16 |
                        uint32_t(data[3]) << 24 | 1u;
  BytesView in(data + 4, size - 4);
  for (int kind = 0; kind < 3; ++kind) {
    auto whole = make(kind);
    auto split = make(kind);
    const Outcome a = feed(*whole, in, 0);
    const Outcome b = feed(*split, in, seed);
    if (!(a == b)) abort();
  }
  return 0;
}
