// NdjsonParser — newline-delimited JSON (what Ollama streams), sans-IO: fed the body in whatever
// pieces the network gives, it reports each line's JSON object. Blank lines are skipped; a line
// that is not a JSON object is an error naming the line. A cap on a line bounds memory.
#pragma once

#include <boost/json/object.hpp>
#include <functional>

#include "worker/line_reader.hpp"

namespace aipg::worker {

class NdjsonParser {
 public:
  using ObjectFn = std::function<Status(boost::json::object&)>;

  explicit NdjsonParser(size_t max_line_bytes = 1 << 20);

  // The first error (a cap, bad JSON, or `on_object`'s) ends the stream: feed no more after one.
  Status feed(std::string_view piece, const ObjectFn& on_object);
  // At the end of the stream: a last line without its newline still counts.
  Status finish(const ObjectFn& on_object);
  size_t objects() const { return objects_; }

 private:
  Status on_line(std::string_view line, const ObjectFn& on_object);

  LineReader lines_;
  size_t objects_ = 0;
};

}  // namespace aipg::worker
