// Fuzzes the yamux Session two ways.
// 1. Hostile peer: the input is fed, in pieces whose sizes it also picks, to a server and to a
//    client Session whose application echoes, consumes and closes. Nothing may crash; an error
//    must leave the session dead; whatever a session sends must parse as yamux frames.
// 2. Honest peers: the input is a script of operations (open, write, consume, close, reset, ping,
//    go away, time passing, delivery of some of the queued bytes) on a client and a server wired
//    to each other. Two correct sessions never see a protocol error, and every byte arrives
//    intact and in order.
#include <cstdlib>
#include <map>

#include "protocol/yamux/session.hpp"

namespace {

using namespace aipg;
using namespace aipg::yamux;

void check(bool ok) {
  if (!ok) abort();
}

void check_frames(BytesView out) {
  size_t pos = 0;
  while (pos < out.size()) {
    check(out.size() - pos >= kHeaderSize);
    auto h = parse_header(out.subspan(pos));
    check(h.has_value());
    pos += kHeaderSize;
    if (h->type == FrameType::kData) {
      check(out.size() - pos >= h->length);
      pos += h->length;
    } else {
      check(h->type == FrameType::kWindowUpdate || h->stream_id == 0);
    }
  }
}

Config small_config() {
  Config c;
  c.max_inbound_streams = 8;
  c.max_outbound_streams = 8;
  c.max_ack_backlog = 4;
  c.max_frame_size = 3000;
  c.keepalive_interval = std::chrono::seconds(5);
  c.ping_timeout = std::chrono::seconds(2);
  c.stream_open_timeout = std::chrono::seconds(3);
  return c;
}

void hostile(Role role, const uint8_t* data, size_t size) {
  Instant now{};
  Session s(role, small_config(), now);
  Bytes out;
  size_t pos = 0;
  while (pos < size) {
    size_t piece = 1 + data[pos] % 64;
    ++pos;
    piece = std::min(piece, size - pos);
    now += std::chrono::milliseconds(data[pos - 1] & 0x7);
    auto st = s.on_bytes(BytesView(data + pos, piece), now);
    pos += piece;
    if (!st) check(s.is_dead());
    while (auto e = s.poll_event()) {
      if (e->kind == Event::Kind::kData) {
        s.consume(e->stream_id, e->data.size() / 2 + 1, now);
        (void)s.write(e->stream_id, e->data);
      } else if (e->kind == Event::Kind::kRemoteClosed) {
        (void)s.close_write(e->stream_id);
      } else if (e->kind == Event::Kind::kStreamOpened && (e->stream_id & 6) == 6) {
        s.reset(e->stream_id);
      }
    }
    if ((piece & 3) == 0) (void)s.open_stream(now);
    if (now >= s.next_deadline()) s.on_timeout(now);
    out.clear();
    s.take_output(out);
    check_frames(out);
    if (s.is_dead()) break;
  }
}

// Expected byte at `offset` of stream `id`, so the reader can check order and integrity.
uint8_t pattern(uint32_t id, uint64_t offset) { return uint8_t(offset * 31 + id + (offset >> 8)); }

struct Side {
  Session s;
  Bytes in_flight;  // its output not yet delivered to the other side
  std::map<uint32_t, uint64_t> sent, received;
};

void drain(Side& me, Instant now, std::vector<uint32_t>& ids) {
  while (auto e = me.s.poll_event()) {
    check(e->kind != Event::Kind::kSessionClosed);
    if (e->kind == Event::Kind::kStreamOpened) ids.push_back(e->stream_id);
    if (e->kind == Event::Kind::kData) {
      uint64_t& off = me.received[e->stream_id];
      for (uint8_t b : e->data) check(b == pattern(e->stream_id, off++));
    }
  }
}

void honest(const uint8_t* data, size_t size) {
  Instant now{};
  Config c = small_config();
  c.keepalive_interval = Duration::zero();  // time jumps would otherwise time pings out
  c.stream_open_timeout = Duration::zero();
  Side sides[2] = {{Session(Role::kClient, c, now), {}, {}, {}},
                   {Session(Role::kServer, c, now), {}, {}, {}}};
  std::vector<uint32_t> ids;
  Bytes chunk(21000);
  for (size_t i = 0; i + 2 < size; i += 3) {
    const uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
    Side& me = sides[op & 1];
    Side& peer = sides[(op & 1) ^ 1];
    uint32_t id = ids.empty() ? 1 : ids[a % ids.size()];
    switch ((op >> 1) % 9) {
      case 0: {
        auto r = me.s.open_stream(now);
        if (r) ids.push_back(*r);
        break;
      }
      case 1: {
        size_t n = size_t(a) * 80 + b;
        uint64_t& off = me.sent[id];
        for (size_t k = 0; k < n; ++k) chunk[k] = pattern(id, off + k);
        auto w = me.s.write(id, BytesView(chunk).first(n));
        if (w) off += *w;
        break;
      }
      case 2:
        me.s.consume(id, size_t(b) * 256, now);
        break;
      case 3:
        (void)me.s.close_write(id);
        break;
      case 4:
        if (b < 40) me.s.reset(id);
        break;
      case 5:
        me.s.ping(now);
        break;
      case 6:
        if (b < 20) me.s.go_away(GoAwayCode::kNormal);
        break;
      case 7:
        now += std::chrono::microseconds(a * 100);
        break;
      case 8: {
        // Deliver part of what `me` has queued: the wire may cut anywhere.
        Bytes fresh;
        me.s.take_output(fresh);
        check_frames(fresh);
        append(me.in_flight, fresh);
        size_t n = std::min(me.in_flight.size(), size_t(a) * 64 + b);
        check(peer.s.on_bytes(BytesView(me.in_flight).first(n), now).has_value());
        me.in_flight.erase(me.in_flight.begin(), me.in_flight.begin() + n);
        break;
      }
    }
    drain(sides[0], now, ids);
    drain(sides[1], now, ids);
  }
  // Flush everything; the sessions stay alive and the data checks above stay true.
  for (int round = 0; round < 4; ++round) {
    for (int k = 0; k < 2; ++k) {
      sides[k].s.take_output(sides[k].in_flight);
      check(sides[k ^ 1].s.on_bytes(sides[k].in_flight, now).has_value());
      sides[k].in_flight.clear();
      drain(sides[k ^ 1], now, ids);
    }
  }
  check(!sides[0].s.is_dead() && !sides[1].s.is_dead());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 3;
  ++data;
  --size;
  if (mode == 0) hostile(Role::kServer, data, size);
  if (mode == 1) hostile(Role::kClient, data, size);
  if (mode == 2) honest(data, size);
  return 0;
}
