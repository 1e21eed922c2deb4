// Test helpers: two Sessions wired back to back, a raw frame builder and an output parser.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "protocol/yamux/session.hpp"

namespace aipg::yamux::test {

inline Instant t0() { return Instant{} + std::chrono::hours(1); }

inline Config quiet_config() {
  Config c;
  c.measure_rtt = false;
  c.keepalive_interval = Duration::zero();
  return c;
}

struct Frame {
  Header h;
  Bytes body;
};

// Splits a session's output into frames (Data frames carry their body).
inline std::vector<Frame> parse_frames(BytesView b) {
  std::vector<Frame> out;
  size_t pos = 0;
  while (pos + kHeaderSize <= b.size()) {
    auto h = parse_header(b.subspan(pos));
    EXPECT_TRUE(h);
    if (!h) break;
    pos += kHeaderSize;
    Frame f{*h, {}};
    if (h->type == FrameType::kData) {
      EXPECT_LE(pos + h->length, b.size());
      f.body.assign(b.begin() + pos, b.begin() + pos + h->length);
      pos += h->length;
    }
    out.push_back(std::move(f));
  }
  EXPECT_EQ(pos, b.size());
  return out;
}

inline Bytes frame(FrameType t, uint16_t f, uint32_t id, uint32_t length, BytesView body = {}) {
  Bytes b;
  append_header(b, Header{.type = t, .flags = f, .stream_id = id, .length = length});
  append(b, body);
  return b;
}
inline Bytes data_frame(uint16_t f, uint32_t id, BytesView body) {
  return frame(FrameType::kData, f, id, static_cast<uint32_t>(body.size()), body);
}

inline std::vector<Event> drain(Session& s) {
  std::vector<Event> v;
  while (auto e = s.poll_event()) v.push_back(std::move(*e));
  return v;
}

inline Bytes output(Session& s) {
  Bytes b;
  s.take_output(b);
  return b;
}

// Client and server back to back. pump() moves bytes both ways until both are quiet; events are
// collected per side (data is also accumulated per stream, and consumed when auto_consume).
struct Pair {
  explicit Pair(Config cc = quiet_config(), Config sc = quiet_config())
      : client(Role::kClient, cc, t0()), server(Role::kServer, sc, t0()) {}

  Session client;
  Session server;
  Instant now = t0();
  std::vector<Event> client_events, server_events;
  std::map<uint32_t, Bytes> client_data, server_data;
  bool auto_consume = true;

  void pump() {
    for (int i = 0; i < 1000; ++i) {
      bool moved = false;
      if (client.has_output()) {
        Bytes b = output(client);
        moved = moved || !b.empty();
        if (!b.empty()) {
          EXPECT_TRUE(server.on_bytes(b, now));
        }
      }
      if (server.has_output()) {
        Bytes b = output(server);
        moved = moved || !b.empty();
        if (!b.empty()) {
          EXPECT_TRUE(client.on_bytes(b, now));
        }
      }
      collect(client, client_events, client_data);
      collect(server, server_events, server_data);
      if (!moved && !client.has_output() && !server.has_output()) return;
    }
    ADD_FAILURE() << "pump did not settle";
  }

  void collect(Session& s, std::vector<Event>& events, std::map<uint32_t, Bytes>& data) {
    while (auto e = s.poll_event()) {
      if (e->kind == Event::Kind::kData) {
        append(data[e->stream_id], e->data);
        if (auto_consume) s.consume(e->stream_id, e->data.size(), now);
      }
      events.push_back(std::move(*e));
    }
  }
};

inline size_t count(const std::vector<Event>& ev, Event::Kind k, uint32_t id) {
  size_t n = 0;
  for (const auto& e : ev) n += (e.kind == k && e.stream_id == id) ? 1 : 0;
  return n;
}

inline bool has_goaway(BytesView out, GoAwayCode code) {
  for (const auto& f : parse_frames(out)) {
    if (f.h.type == FrameType::kGoAway && f.h.length == static_cast<uint32_t>(code)) return true;
  }
  return false;
}

}  // namespace aipg::yamux::test
