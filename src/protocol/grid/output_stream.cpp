#include "protocol/grid/output_stream.hpp"

#include "wire/varint.hpp"

namespace aipg::grid {
namespace {

Bytes frame(const pb::StreamFrame& f) {
  const std::string body = f.SerializeAsString();
  Bytes out;
  wire::put_uvarint_frame(out, as_bytes(body));
  return out;
}

}  // namespace

Bytes encode_stream_open(const JobId& job_id, uint32_t attempt, uint32_t generation) {
  pb::StreamFrame f;
  f.set_job_id(job_id);
  f.set_attempt(attempt);
  f.set_generation(generation);
  return frame(f);
}

Bytes encode_stream_piece(std::string_view text, const OutputStreamLimits& limits) {
  // Room for the field's tag and length in each frame.
  const size_t room = limits.max_frame_bytes > 16 ? limits.max_frame_bytes - 16 : 1;
  Bytes out;
  while (!text.empty()) {
    size_t n = std::min(room, text.size());
    // Never split a UTF-8 sequence: protobuf strings must be valid UTF-8.
    while (n < text.size() && n > 0 && (uint8_t(text[n]) & 0xC0) == 0x80) --n;
    if (n == 0) n = std::min(room, text.size());
    pb::StreamFrame f;
    f.set_text(std::string(text.substr(0, n)));
    const Bytes one = frame(f);
    out.insert(out.end(), one.begin(), one.end());
    text.remove_prefix(n);
  }
  return out;
}

Result<OutputStreamReader::Events> OutputStreamReader::feed(BytesView data) {
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  Events ev;
  size_t at = 0;
  for (;;) {
    AIPG_TRY_ASSIGN(
        auto fr, wire::read_uvarint_frame(BytesView(buffer_).subspan(at), limits_.max_frame_bytes));
    if (!fr) break;
    at += fr->consumed;
    pb::StreamFrame f;
    if (!f.ParseFromArray(fr->payload.data(), int(fr->payload.size()))) {
      return make_error(Errc::malformed, "stream frame: not a StreamFrame");
    }
    if (!opened_) {
      if (f.job_id().size() != kJobIdSize) {
        return make_error(Errc::protocol_violation,
                          "stream frame: the first must name a job (job_id of " +
                              std::to_string(kJobIdSize) + " bytes, got " +
                              std::to_string(f.job_id().size()) + ")");
      }
      opened_ = true;
      ev.opened = Opened{f.job_id(), f.attempt(), f.generation()};
    } else if (!f.job_id().empty()) {
      return make_error(Errc::protocol_violation, "stream frame: a job_id after the first frame");
    }
    if (f.text().empty()) continue;
    text_bytes_ += f.text().size();
    if (text_bytes_ > limits_.max_text_bytes) {
      return make_error(Errc::too_large, "stream: text is over " +
                                             std::to_string(limits_.max_text_bytes) + " bytes");
    }
    ev.text.push_back(std::move(*f.mutable_text()));
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + at);
  return ev;
}

}  // namespace aipg::grid
