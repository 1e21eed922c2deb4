#include "io/asio/os_rng.hpp"

#include <sodium.h>

#include <cstdlib>

namespace aipg::io {

OsRng::OsRng() {
  // sodium_init() is idempotent and thread-safe; it picks the getrandom() backend and checks
  // that the kernel's pool is seeded. Without a working CSPRNG no key may be made: stop here.
  if (sodium_init() < 0) std::abort();
}

void OsRng::fill(MutBytesView out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

}  // namespace aipg::io
