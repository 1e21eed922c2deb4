// keygen and id.
#include <cstdio>

#include "app/commands.hpp"
#include "app/key_file.hpp"
#include "wire/peer_id.hpp"

namespace aipg::app {

int run_keygen(const std::string& out) {
  auto kp = create_key_file(out);
  if (!kp) {
    std::fprintf(stderr, "aipg keygen: %s\n", kp.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", wire::PeerId::from_public_key(kp->public_key()).to_base58().c_str());
  return 0;
}

int run_id(const std::string& key_file) {
  auto kp = read_key_file(key_file);
  if (!kp) {
    std::fprintf(stderr, "aipg id: %s\n", kp.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", wire::PeerId::from_public_key(kp->public_key()).to_base58().c_str());
  return 0;
}

}  // namespace aipg::app
