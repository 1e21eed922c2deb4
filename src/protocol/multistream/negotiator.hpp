// multistream-select 1.0 (multiformats/multistream-select): agree on one protocol over a fresh
// connection or stream. Every message is `uvarint(len) ‖ text ‖ '\n'` (len counts the newline).
// Both sides send the header "/multistream/1.0.0"; the dialer proposes protocols one at a time,
// the listener echoes the one it accepts or answers "na".
//
// Dialer:   kAwaitHeader ──header──▶ kAwaitAnswer ──echo──▶ kDone
//                                      │  ▲
//                                   "na" └─ next proposal (none left → kFailed)
// Listener: kAwaitHeader ──header──▶ kAwaitProposal ──supported──▶ kDone (echo sent)
//                                      │  ▲
//                                 unknown └─ "na" (too many → kFailed)
//
// The dialer sends its header and first proposal at once, as go and js do. Bytes received after
// the final message (the peer may pipeline application data) are kept for take_leftover().
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::multistream {

inline constexpr char kHeader[] = "/multistream/1.0.0";
inline constexpr char kNotAvailable[] = "na";
// go-multistream refuses messages over 1024 bytes; protocol ids are far shorter.
inline constexpr size_t kMaxMessageSize = 1024;
// A listener answers at most this many unsupported proposals before giving up.
inline constexpr size_t kMaxRefusals = 16;

// One framed message.
void put_message(Bytes& out, std::string_view text);

enum class State { kAwaitHeader, kAwaitAnswer, kAwaitProposal, kDone, kFailed };

// Shared reading, framing and leftover handling.
class Negotiator {
 public:
  virtual ~Negotiator() = default;
  Status on_bytes(BytesView in);
  void take_output(Bytes& out);
  bool done() const { return state_ == State::kDone; }
  State state() const { return state_; }
  const std::string& protocol() const { return protocol_; }
  Bytes take_leftover();

 protected:
  virtual Status on_message(std::string_view msg) = 0;
  Status fail(Error e);

  State state_ = State::kAwaitHeader;
  std::string protocol_;
  Bytes out_;

 private:
  Bytes in_;
};

class Dialer final : public Negotiator {
 public:
  explicit Dialer(std::vector<std::string> protocols);

 private:
  Status on_message(std::string_view msg) override;
  std::vector<std::string> protocols_;
  size_t next_ = 0;
};

class Listener final : public Negotiator {
 public:
  explicit Listener(std::function<bool(const std::string&)> supported);

 private:
  Status on_message(std::string_view msg) override;
  std::function<bool(const std::string&)> supported_;
  size_t refused_ = 0;
};

}  // namespace aipg::multistream
