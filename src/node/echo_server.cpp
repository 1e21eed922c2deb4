#include "node/echo_server.hpp"

namespace aipg::node {

void EchoServer::serve(std::unique_ptr<Stream> s) {
  Stream* raw = s.get();
  raw->set_on_drained([raw] { raw->resume_reading(); });
  raw->set_on_eof([raw] { raw->close_write(); });
  raw->set_on_closed([this, raw](Status) {
    auto it = streams_.find(raw);
    if (it == streams_.end()) return;
    // Inside the stream's own callback.
    std::unique_ptr<Stream> doomed = std::move(it->second);
    streams_.erase(it);
    runtime::destroy_later(executor_, std::move(doomed));
  });
  streams_.emplace(raw, std::move(s));
  raw->set_on_data([raw](BytesView d) {
    raw->write(d);
    if (raw->pending_write_bytes() > 0) raw->pause_reading();
  });
}

}  // namespace aipg::node
