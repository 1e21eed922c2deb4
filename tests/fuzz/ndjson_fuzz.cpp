// Fuzzes the NDJSON parser: a small line cap so it is reached; the objects (or the error) must
// not depend on where the body is cut into pieces.
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "worker/ndjson_parser.hpp"

namespace {

using namespace aipg;
using namespace aipg::worker;

constexpr size_t kMaxLine = 128;

struct Out {
  std::vector<std::string> objects;
  bool ok = true;
  Errc code = Errc::internal;
};

Out parse(std::string_view body, size_t step) {
  NdjsonParser p(kMaxLine);
  Out out;
  auto on = [&](boost::json::object& o) {
    out.objects.push_back(boost::json::serialize(o));
    return ok();
  };
  Status s;
  for (size_t at = 0; s && at < body.size(); at += step) s = p.feed(body.substr(at, step), on);
  if (s) s = p.finish(on);
  if (!s) {
    out.ok = false;
    out.code = s.error().code;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 13;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Out whole = parse(body, body.size() + 1);
  const Out pieces = parse(body, step);
  if (whole.ok != pieces.ok || whole.objects != pieces.objects || whole.code != pieces.code) {
    abort();
  }
  return 0;
}
