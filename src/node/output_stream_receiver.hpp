// OutputStreamReceiver — the origin node's end of /aipg/stream/1 (docs/protocol.md §10): takes
// the streams workers open while they run this node's jobs, reads their frames, and hands the
// pieces of text to a sink that decides whether they are wanted. Bounded: at most max_streams
// at once; a stream that breaks the protocol or that the sink refuses is reset. Every refusal
// is logged once and counted.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "node/host.hpp"
#include "protocol/grid/output_stream.hpp"

namespace aipg::node {

struct OutputStreamStats {
  uint64_t accepted = 0, refused_at_limit = 0, broken = 0, refused_by_sink = 0;
  uint64_t pieces = 0, bytes = 0;
};

class OutputStreamReceiver {
 public:
  // Called with each burst of pieces (possibly none, for the first frame); false resets the
  // stream (not our job, finished, or someone else's run).
  using Sink =
      std::function<bool(const wire::PeerId& peer, const grid::OutputStreamReader::Opened& run,
                         std::vector<std::string> pieces)>;

  OutputStreamReceiver(Host& host, Sink sink, size_t max_streams = 256,
                       grid::OutputStreamLimits limits = {});
  ~OutputStreamReceiver();
  OutputStreamReceiver(const OutputStreamReceiver&) = delete;
  OutputStreamReceiver& operator=(const OutputStreamReceiver&) = delete;

  const OutputStreamStats& stats() const { return stats_; }
  size_t open_streams() const { return streams_.size(); }

 private:
  struct In {
    std::unique_ptr<Stream> stream;
    grid::OutputStreamReader reader;
    std::optional<grid::OutputStreamReader::Opened> run;
  };
  void accept(std::unique_ptr<Stream> s);
  void on_data(uint64_t id, BytesView data);
  // Resets the stream and forgets it (after the current callback returns).
  void drop(uint64_t id);

  Host& host_;
  Sink sink_;
  size_t max_streams_;
  grid::OutputStreamLimits limits_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, In> streams_;
  OutputStreamStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
