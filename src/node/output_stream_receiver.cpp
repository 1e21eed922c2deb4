#include "node/output_stream_receiver.hpp"

#include "base/log.hpp"

namespace aipg::node {

OutputStreamReceiver::OutputStreamReceiver(Host& host, Sink sink, size_t max_streams,
                                           grid::OutputStreamLimits limits)
    : host_(host), sink_(std::move(sink)), max_streams_(max_streams), limits_(limits) {
  host_.set_handler(grid::kOutputStreamProtocol,
                    [this](std::unique_ptr<Stream> s) { accept(std::move(s)); });
}

OutputStreamReceiver::~OutputStreamReceiver() {
  *alive_ = false;
  host_.remove_handler(grid::kOutputStreamProtocol);
}

void OutputStreamReceiver::accept(std::unique_ptr<Stream> s) {
  if (streams_.size() >= max_streams_) {
    ++stats_.refused_at_limit;
    log::warn("output stream from {} refused: {} open, the limit", s->remote_peer().to_base58(),
              max_streams_);
    s->reset();
    return;
  }
  ++stats_.accepted;
  const uint64_t id = next_id_++;
  In& in = streams_[id];
  in.stream = std::move(s);
  in.reader = grid::OutputStreamReader(limits_);
  Stream& st = *in.stream;
  auto alive = alive_;
  st.set_on_eof([this, id, alive] {
    if (!*alive) return;
    if (auto it = streams_.find(id); it != streams_.end()) it->second.stream->close_write();
  });
  st.set_on_closed([this, id, alive](Status) {
    if (*alive) drop(id);
  });
  st.set_on_data([this, id, alive](BytesView d) {
    if (*alive) on_data(id, d);
  });
}

void OutputStreamReceiver::on_data(uint64_t id, BytesView data) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  In& in = it->second;
  auto ev = in.reader.feed(data);
  if (!ev) {
    ++stats_.broken;
    log::warn("output stream from {} reset: {}", in.stream->remote_peer().to_base58(),
              ev.error().message);
    drop(id);
    return;
  }
  if (ev->opened) in.run = ev->opened;
  if (!in.run) return;  // the first frame is not complete yet
  for (const std::string& p : ev->text) stats_.bytes += p.size();
  stats_.pieces += ev->text.size();
  if (!sink_(in.stream->remote_peer(), *in.run, std::move(ev->text))) {
    ++stats_.refused_by_sink;
    log::debug("output stream from {} for job {} ended by the node: not wanted",
               in.stream->remote_peer().to_base58(), to_hex(as_bytes(in.run->job_id)));
    drop(id);
  }
}

void OutputStreamReceiver::drop(uint64_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  std::unique_ptr<Stream> doomed = std::move(it->second.stream);
  streams_.erase(it);
  if (doomed->state() != Stream::State::kClosed) doomed->reset();
  // We may be inside one of the stream's callbacks.
  runtime::destroy_later(host_.runtime().executor, std::move(doomed));
}

}  // namespace aipg::node
