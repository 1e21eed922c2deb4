// OutputStreamSender — the worker's end of /aipg/stream/1 (docs/protocol.md §10): one stream per
// running generation to the job's origin node, carrying the output as the backend produces it.
// Best effort: when the origin cannot be reached the pieces are dropped (the signed result on
// gossip is what counts). Pieces written before the stream is open wait, up to a cap.
#pragma once

#include <map>
#include <memory>

#include "node/host.hpp"
#include "protocol/grid/output_stream.hpp"
#include "protocol/grid/worker_core.hpp"

namespace aipg::node {

struct OutputSenderStats {
  uint64_t opened = 0, open_failed = 0, overflowed = 0;
  uint64_t pieces = 0, bytes = 0;
};

class OutputStreamSender {
 public:
  explicit OutputStreamSender(Host& host, size_t max_pending_bytes = 256 << 10);
  ~OutputStreamSender();
  OutputStreamSender(const OutputStreamSender&) = delete;
  OutputStreamSender& operator=(const OutputStreamSender&) = delete;

  // `addrs`: where the origin takes streams (its NodeAdvert), dialled when not connected.
  void begin(const grid::RunKey& key, const wire::PeerId& origin,
             const std::vector<wire::Multiaddr>& addrs);
  void piece(const grid::RunKey& key, std::string_view text);
  // Every piece is written: half-close once they are out.
  void end(const grid::RunKey& key);
  // The run stopped or failed: reset.
  void abort(const grid::RunKey& key);

  const OutputSenderStats& stats() const { return stats_; }
  size_t active() const { return runs_.size() + closing_.size(); }

 private:
  struct Out {
    std::unique_ptr<Stream> stream;  // null while opening
    Bytes pending;                   // written before the stream opened
    bool ended = false;
  };
  void opened(const grid::RunKey& key, Result<std::unique_ptr<Stream>> r);
  void close(std::unique_ptr<Stream> s);
  void retire(std::unique_ptr<Stream> s);

  Host& host_;
  size_t max_pending_bytes_;
  std::map<grid::RunKey, Out> runs_;
  uint64_t next_closing_ = 1;
  std::map<uint64_t, std::unique_ptr<Stream>> closing_;  // half-closed, until the origin closes
  OutputSenderStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
