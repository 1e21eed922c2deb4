// Fuzzes the uvarint reader and frame reader: no input may crash, and anything decoded must
// re-encode to the same bytes (the minimal-encoding rule makes decoding injective).
#include <cstdlib>

#include "wire/varint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aipg;
  BytesView in(data, size);
  auto r = wire::read_uvarint(in);
  if (r && *r) {
    Bytes again;
    wire::put_uvarint(again, (*r)->value);
    if (again.size() != (*r)->size || !std::equal(again.begin(), again.end(), data)) abort();
  }
  auto f = wire::read_uvarint_frame(in, 1 << 16);
  if (f && *f && (*f)->consumed > size) abort();
  return 0;
}
