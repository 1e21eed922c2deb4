// Our side of the signed-peer-record interop test (peer_record.sh), the same two commands as
// js/peer_record.mjs:
//   peer_record_tool seal SEED_HEX32 SEQ MULTIADDR...   prints {"envelope_hex": ...}
//   peer_record_tool open ENVELOPE_HEX                 prints {"peer_id", "seq", "addrs"}; exit 1
//                                                       with the error when it does not open
#include <cstdio>
#include <string>
#include <vector>

#include "wire/peer_record.hpp"

using namespace aipg;

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  Bytes bytes;
  if (args.size() >= 3 && args[0] == "seal" && from_hex(args[1], bytes)) {
    auto key = wire::KeyPair::from_seed(bytes);
    if (!key) return 2;
    wire::PeerRecord r{wire::PeerId::from_public_key(key->public_key()), std::stoull(args[2]), {}};
    for (size_t i = 3; i < args.size(); ++i) {
      auto a = wire::Multiaddr::parse(args[i]);
      if (!a) return 2;
      r.addrs.push_back(*a);
    }
    std::printf("{\"envelope_hex\":\"%s\"}\n", to_hex(wire::seal_peer_record(*key, r)).c_str());
    return 0;
  }
  if (args.size() == 2 && args[0] == "open" && from_hex(args[1], bytes)) {
    auto r = wire::open_peer_record(bytes);
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().message.c_str());
      return 1;
    }
    std::string addrs;
    for (const wire::Multiaddr& a : r->addrs) {
      addrs += (addrs.empty() ? "\"" : ",\"") + a.to_string() + "\"";
    }
    std::printf("{\"peer_id\":\"%s\",\"seq\":\"%llu\",\"addrs\":[%s]}\n",
                r->peer_id.to_base58().c_str(), static_cast<unsigned long long>(r->seq),
                addrs.c_str());
    return 0;
  }
  std::fprintf(stderr, "usage: peer_record_tool seal SEED SEQ ADDR... | open HEX\n");
  return 2;
}
