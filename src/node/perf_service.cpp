#include "node/perf_service.hpp"

#include <algorithm>

#include "node/host.hpp"

namespace aipg::node {
namespace {
constexpr size_t kChunk = 256 * 1024;
// A writer keeps at most this much queued in the stream before waiting for on_drained.
constexpr size_t kHighWater = 1 << 20;
const Bytes& zeros() {
  static const Bytes z(kChunk, 0);
  return z;
}
}  // namespace

struct PerfService::Server {
  std::unique_ptr<Stream> stream;
  Bytes header;
  uint64_t to_send = 0;
  bool header_done = false;
  bool sending = false;
};

struct PerfService::Client {
  std::unique_ptr<Stream> stream;
  Callback cb;
  uint64_t upload_left = 0;
  PerfResult result;
  Instant start{};
  bool fin = false;
};

PerfService::PerfService(Host& host) : host_(host) {
  host_.set_handler(kPerfProtocol, [this](std::unique_ptr<Stream> s) { serve(std::move(s)); });
}

PerfService::~PerfService() = default;

void PerfService::serve(std::unique_ptr<Stream> s) {
  auto owned = std::make_unique<Server>();
  Server* sv = owned.get();
  sv->stream = std::move(s);
  Stream* st = sv->stream.get();
  auto pump = [sv] {
    while (sv->to_send > 0 && sv->stream->pending_write_bytes() < kHighWater) {
      size_t n = size_t(std::min<uint64_t>(kChunk, sv->to_send));
      sv->stream->write(BytesView(zeros()).first(n));
      sv->to_send -= n;
    }
    if (sv->to_send == 0) sv->stream->close_write();
  };
  st->set_on_drained([sv, pump] {
    if (sv->sending) pump();
  });
  st->set_on_eof([sv, pump] {
    if (!sv->header_done) {
      sv->stream->reset();
      return;
    }
    sv->sending = true;
    pump();
  });
  st->set_on_closed([this, sv](Status) { retire_server(sv); });
  st->set_on_data([sv](BytesView d) {
    if (sv->header_done) return;  // upload bytes are only counted by the client
    size_t need = 8 - sv->header.size();
    append(sv->header, d.first(std::min(need, d.size())));
    if (sv->header.size() == 8) {
      sv->header_done = true;
      sv->to_send = get_be64(sv->header.data());
    }
  });
  servers_.emplace(sv, std::move(owned));
}

void PerfService::run(const wire::PeerId& peer, uint64_t upload, uint64_t download, Callback cb) {
  host_.new_stream(
      peer, {kPerfProtocol},
      [this, upload, download, cb = std::move(cb)](Result<std::unique_ptr<Stream>> r) mutable {
        if (!r) {
          cb(std::move(r).error());
          return;
        }
        auto owned = std::make_unique<Client>();
        Client* c = owned.get();
        c->stream = std::move(*r);
        c->cb = std::move(cb);
        c->upload_left = upload;
        c->start = host_.runtime().clock.now();
        clients_.emplace(c, std::move(owned));
        Stream* st = c->stream.get();
        auto pump = [c] {
          while (c->upload_left > 0 && c->stream->pending_write_bytes() < kHighWater) {
            size_t n = size_t(std::min<uint64_t>(kChunk, c->upload_left));
            c->stream->write(BytesView(zeros()).first(n));
            c->upload_left -= n;
            c->result.uploaded += n;
          }
          if (c->upload_left == 0 && !c->fin) {
            c->fin = true;
            c->stream->close_write();
          }
        };
        st->set_on_drained(pump);
        st->set_on_data([c](BytesView d) { c->result.downloaded += d.size(); });
        st->set_on_eof([this, c] { c->result.elapsed = host_.runtime().clock.now() - c->start; });
        st->set_on_closed([this, c](Status s) {
          Callback done = std::move(c->cb);
          PerfResult res = c->result;
          retire_client(c);
          if (!s) {
            done(std::move(s).error());
          } else {
            done(res);
          }
        });
        Bytes header(8);
        put_be64(header.data(), download);
        st->write(header);
        pump();
      });
}

void PerfService::retire_server(Server* s) {
  auto it = servers_.find(s);
  if (it == servers_.end()) return;
  // Inside one of the stream's callbacks.
  std::unique_ptr<Server> doomed = std::move(it->second);
  servers_.erase(it);
  runtime::destroy_later(host_.runtime().executor, std::move(doomed));
}

void PerfService::retire_client(Client* c) {
  auto it = clients_.find(c);
  if (it == clients_.end()) return;
  std::unique_ptr<Client> doomed = std::move(it->second);
  clients_.erase(it);
  runtime::destroy_later(host_.runtime().executor, std::move(doomed));
}

}  // namespace aipg::node
