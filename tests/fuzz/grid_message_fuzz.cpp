// Fuzzes the grid's message check, the opening of Replay entries and the jobs topic codec.
// Whatever passes the check must pass again after re-encoding (encode_message is what publishers
// use), a Replay opens or names its bad entry, and topics must round-trip.
#include <cstdlib>

#include "protocol/grid/message_check.hpp"
#include "protocol/grid/replay.hpp"
#include "protocol/grid/topics.hpp"

namespace {

// The seeds' sent_ms (tests/fuzz/grid_message_seeds.sh).
const aipg::WallTime kNow = aipg::WallTime{} + std::chrono::milliseconds(1'700'000'000'000);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aipg;
  using namespace aipg::grid;
  BytesView in(data, size);

  Checked c = check_message(in, kNow);
  if (c.outcome == CheckOutcome::kReject && c.detail.empty()) abort();
  if (c.outcome == CheckOutcome::kOk) {
    if (c.message.version() != kProtocolVersion) abort();
    Bytes again = encode_message(c.message, kNow);
    Checked c2 = check_message(again, kNow);
    if (c2.outcome != CheckOutcome::kOk) abort();
    // sent_ms is now; otherwise the message must survive unchanged.
    grid::pb::GridMessage m = c.message;
    m.set_sent_ms(c2.message.sent_ms());
    if (m.SerializeAsString() != c2.message.SerializeAsString()) abort();
    if (c.message.has_replay()) {
      const FactLog empty(/*keep_envelopes=*/true);
      auto opened = open_replay(c.message.replay(), empty);
      if (!opened && opened.error().to_string().find("replay.messages[") == std::string::npos) {
        abort();
      }
    }
  }

  std::string_view text = as_chars(in);
  if (!text.empty()) {
    auto model = model_of_jobs_topic(jobs_topic(text));
    if (!model || *model != text) abort();
  }
  if (auto model = model_of_jobs_topic(text)) {
    if (jobs_topic(*model) != text) abort();
  }
  return 0;
}
