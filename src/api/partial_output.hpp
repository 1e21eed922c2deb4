// PartialOutput — the text of this node's running generations as their workers stream it
// (/aipg/stream/1), for streaming HTTP clients. Unsigned, so never trusted as a result: text is
// shown only while its sender is the generation's winner in the book, and the signed result
// replaces it. One entry per (job, generation); the first stream holds it until a stream from
// the current winner takes over.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/grid/job_book.hpp"

namespace aipg::api {

class PartialOutput {
 public:
  // Appends `pieces` to the generation's text. False: the sender is not the generation's
  // winner for that attempt and another sender holds the entry (its stream should end).
  bool add(const grid::PeerId& sender, const grid::JobView& v, uint32_t attempt,
           uint32_t generation, const std::vector<std::string>& pieces);
  // The generation's text so far, when its sender is the current winner of the latest attempt.
  std::optional<std::string_view> text(const grid::JobView& v, uint32_t generation) const;
  void forget(const grid::JobId& job);
  size_t jobs() const { return jobs_.size(); }

 private:
  struct Entry {
    grid::PeerId sender;
    uint32_t attempt = 0;
    std::string text;
  };
  std::unordered_map<grid::JobId, std::map<uint32_t, Entry>> jobs_;
};

}  // namespace aipg::api
