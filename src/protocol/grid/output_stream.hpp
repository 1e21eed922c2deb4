// The output stream (/aipg/stream/1, docs/protocol.md §10), sans-IO: the frames a worker sends
// to a job's origin node while a generation runs, so that streaming clients see text as it is
// generated rather than whole at the end. The result on gossip stays what counts; this stream
// is a preview that an origin may ignore.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/grid/types.hpp"

namespace aipg::grid {

inline constexpr const char* kOutputStreamProtocol = "/aipg/stream/1";

struct OutputStreamLimits {
  size_t max_frame_bytes = 16 << 10;
  size_t max_text_bytes = 200 << 10;  // all pieces of one run: CheckLimits::max_text_bytes
};

// The first frame, naming the run.
Bytes encode_stream_open(const JobId& job_id, uint32_t attempt, uint32_t generation);
// A piece of output; pieces longer than a frame allows are split (at UTF-8 boundaries).
Bytes encode_stream_piece(std::string_view text, const OutputStreamLimits& limits = {});

// Reads one stream's frames as bytes arrive.
class OutputStreamReader {
 public:
  struct Opened {
    JobId job_id;
    uint32_t attempt = 0;
    uint32_t generation = 0;
  };
  struct Events {
    std::optional<Opened> opened;   // set by the first frame
    std::vector<std::string> text;  // pieces, in order
  };

  explicit OutputStreamReader(OutputStreamLimits limits = {}) : limits_(limits) {}
  // An error names what broke the protocol; the stream must then be reset.
  Result<Events> feed(BytesView data);

 private:
  OutputStreamLimits limits_;
  Bytes buffer_;
  bool opened_ = false;
  size_t text_bytes_ = 0;
};

}  // namespace aipg::grid
