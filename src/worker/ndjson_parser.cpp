#include "worker/ndjson_parser.hpp"

#include <boost/json/parse.hpp>

namespace aipg::worker {

NdjsonParser::NdjsonParser(size_t max_line_bytes)
    : lines_("ndjson", max_line_bytes, /*cr_ends_line=*/false) {}

Status NdjsonParser::feed(std::string_view piece, const ObjectFn& on_object) {
  return lines_.feed(piece, [&](std::string_view line) { return on_line(line, on_object); });
}

Status NdjsonParser::finish(const ObjectFn& on_object) {
  if (lines_.partial().empty()) return ok();
  return lines_.feed("\n", [&](std::string_view line) { return on_line(line, on_object); });
}

Status NdjsonParser::on_line(std::string_view line, const ObjectFn& on_object) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return ok();
  const std::string where = "ndjson: line " + std::to_string(lines_.lines());
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec) return make_error(Errc::malformed, where + " is not JSON: " + ec.message());
  if (!v.is_object()) return make_error(Errc::malformed, where + " is not a JSON object");
  ++objects_;
  return on_object(v.as_object());
}

}  // namespace aipg::worker
