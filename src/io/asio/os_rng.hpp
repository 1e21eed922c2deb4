// io::OsRng — the OS CSPRNG through libsodium's randombytes_buf (getrandom(2) on Linux).
#pragma once

#include "runtime/rng.hpp"

namespace aipg::io {

class OsRng final : public runtime::Rng {
 public:
  OsRng();
  void fill(MutBytesView out) override;
};

}  // namespace aipg::io
