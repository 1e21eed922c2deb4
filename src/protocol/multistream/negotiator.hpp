// multistream-select 1.0 (multiformats/multistream-select; libp2p/specs connections, "Protocol
// Negotiation"): agree on one protocol over a fresh connection or stream. Both sides send the
// header "/multistream/1.0.0"; the dialer (initiator) proposes protocol ids one at a time; the
// listener (responder) echoes the id it accepts, or answers "na" ("not available"). Messages are
// framed as in message.hpp. Sans-IO: feed received bytes to on_bytes(), send what take_output()
// gives, and once done() hand take_leftover() to the negotiated protocol.
//
// Dialer:
//   (constructor: header + first proposal queued at once, as go and js do — one round trip saved)
//   kAwaitHeader ──"/multistream/1.0.0"──▶ kAwaitAnswer ──echo of the proposal──▶ kDone
//        │                                   │     ▲
//        │ anything else                     │ "na": propose the next id
//        ▼                                   ▼     │
//     kFailed ◀── other answer, or "na" to the last id ("peer supports none of: …")
//
// Listener:
//   kAwaitHeader ──"/multistream/1.0.0" (header echoed)──▶ kAwaitProposal ──supported──▶ kDone
//        │                                                  │     ▲           (id echoed)
//        │ anything else                                    │ unsupported: "na";
//        ▼                                                  ▼     │ "ls": the list (if known)
//     kFailed ◀──────────── more than kMaxRefusals "na"/"ls" answers
//
// Leftover: a peer may pipeline application data right behind its last negotiation message (js
// does, optimistically), several messages may arrive in one read and one message may be split over
// many. Everything received after the message that completed the negotiation is kept, in order,
// and returned by take_leftover(); bytes fed after done() are appended to it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/multistream/message.hpp"

namespace aipg::multistream {

// A listener answers at most this many unsupported proposals (and "ls" requests) before it gives
// up: an honest dialer lists a handful of ids, a hostile one could otherwise keep it busy forever.
inline constexpr size_t kMaxRefusals = 16;

enum class State { kAwaitHeader, kAwaitAnswer, kAwaitProposal, kDone, kFailed };
const char* state_name(State s);

// Shared reading, framing, failure and leftover handling.
class Negotiator {
 public:
  virtual ~Negotiator() = default;
  Negotiator(const Negotiator&) = delete;
  Negotiator& operator=(const Negotiator&) = delete;

  // Consumes received bytes. Returns an Error (and enters kFailed, for good) when the peer breaks
  // the protocol or the negotiation cannot succeed; the connection or stream should then be
  // closed. Once failed, every call returns that same error.
  Status on_bytes(BytesView in);
  // Appends the bytes to send to `out` and forgets them.
  void take_output(Bytes& out);

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // Set when failed().
  const std::optional<Error>& error() const { return error_; }
  // The agreed protocol id; empty until done().
  const std::string& protocol() const { return protocol_; }
  // The bytes received after the final negotiation message (see above). Meaningful once done();
  // empties the buffer.
  Bytes take_leftover();

 protected:
  explicit Negotiator(State initial) : state_(initial) {}
  virtual Status on_message(std::string_view msg) = 0;
  // Enters kFailed; the message gains the "multistream: " prefix.
  Status fail(Error e);
  Status expect_header(std::string_view msg, State next);

  State state_;
  std::string protocol_;
  Bytes out_;

 private:
  Bytes in_;
  std::optional<Error> error_;
};

class Dialer final : public Negotiator {
 public:
  // `protocols` in order of preference. An empty list or an invalid id (see check_protocol_id)
  // fails at once: nothing is queued and on_bytes() returns the reason.
  explicit Dialer(std::vector<std::string> protocols);

 private:
  Status on_message(std::string_view msg) override;
  std::vector<std::string> protocols_;
  size_t next_ = 0;  // index of the proposal awaiting an answer
};

class Listener final : public Negotiator {
 public:
  // Accepts the first proposal for which `supported` returns true; answers "ls" with "na".
  explicit Listener(std::function<bool(const std::string&)> supported);
  // Accepts exactly these ids and answers "ls" with them (as js does: one message holding each id
  // as its own framed message, then a newline; ids that would push it over kMaxMessageSize are
  // left out).
  explicit Listener(std::vector<std::string> protocols);

 private:
  Status on_message(std::string_view msg) override;
  Status refuse();
  std::function<bool(const std::string&)> supported_;
  std::vector<std::string> listed_;
  bool can_list_ = false;
  size_t refused_ = 0;
};

}  // namespace aipg::multistream
