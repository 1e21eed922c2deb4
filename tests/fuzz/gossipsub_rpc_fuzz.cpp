// Fuzzes the gossipsub RPC codec the way a peer reaches it: bytes split into frames by the
// FrameReader (the first input byte picks the chunk size they arrive in), each frame decoded;
// the whole input is also decoded as one RPC. Nothing may crash, and whatever decodes must
// round-trip: encode_rpc(decoded) decodes to the same RPC, re-encodes to the same bytes, is
// what libprotobuf serializes for it, and is as long as encoded_size says. The signature and
// id code runs on every decoded message too (results ignored: they must only not crash).
#include <climits>
#include <cstdlib>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/message_id.hpp"
#include "protocol/gossipsub/signing.hpp"
#include "rpc.pb.h"

namespace {

using namespace aipg;
using namespace aipg::gossipsub;

// Small enough that the fuzzer meets the oversized-frame path.
const CodecLimits kLimits{.max_rpc_size = 1 << 16};

void check_round_trip(const Rpc& rpc) {
  const Bytes enc = encode_rpc(rpc);
  if (encoded_size(rpc) != enc.size()) std::abort();
  // Re-encoding may be longer than the input (fields read as defaults are written back).
  auto back = decode_rpc(enc, CodecLimits{.max_rpc_size = size_t(INT_MAX)});
  if (!back || !same_rpc(*back, rpc) || encode_rpc(*back) != enc) std::abort();
  pb::pubsub::RPC pb;
  if (!pb.ParseFromArray(enc.data(), int(enc.size()))) std::abort();
  if (pb.SerializeAsString() != as_chars(enc)) std::abort();
  for (const MessagePtr& m : rpc.publish) {
    (void)verify_strict_sign(*m);
    (void)verify_strict_no_sign(*m);
    (void)default_message_id(*m);
    if (signing_bytes(*m).size() > encoded_size(*m)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = data[0] == 0 ? size : data[0];
  BytesView in(data + 1, size - 1);

  if (auto rpc = decode_rpc(in, kLimits)) check_round_trip(*rpc);

  FrameReader reader(kLimits);
  size_t framed = 0;  // bytes handed out in frames, prefixes included
  while (!in.empty()) {
    const size_t n = std::min(chunk, in.size());
    reader.feed(in.first(n));
    in = in.subspan(n);
    for (;;) {
      auto f = reader.next();
      if (!f) {
        if (reader.next()) std::abort();  // a failed reader stays failed
        return 0;
      }
      if (!*f) break;
      if ((*f)->size() > kLimits.max_rpc_size) std::abort();
      framed += (*f)->size();
      if (auto rpc = decode_rpc(**f, kLimits)) check_round_trip(*rpc);
    }
  }
  if (framed + reader.buffered() > size) std::abort();
  return 0;
}
