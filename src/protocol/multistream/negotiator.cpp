#include "protocol/multistream/negotiator.hpp"

#include <algorithm>
#include <utility>

namespace aipg::multistream {

const char* state_name(State s) {
  switch (s) {
    case State::kAwaitHeader:
      return "await-header";
    case State::kAwaitAnswer:
      return "await-answer";
    case State::kAwaitProposal:
      return "await-proposal";
    case State::kDone:
      return "done";
    case State::kFailed:
      return "failed";
  }
  return "?";
}

Status Negotiator::fail(Error e) {
  state_ = State::kFailed;
  e.message = "multistream: " + e.message;
  error_ = e;
  // Output queued before the failure stays: the peer gets the same bytes however its input was
  // cut into reads.
  return e;
}

Status Negotiator::expect_header(std::string_view msg, State next) {
  if (msg != kHeader) {
    return fail(
        make_error(Errc::unsupported, "expected " + std::string(kHeader) + ", got " + quote(msg)));
  }
  state_ = next;
  return ok();
}

Status Negotiator::on_bytes(BytesView in) {
  if (state_ == State::kFailed) return *error_;
  append(in_, in);
  size_t off = 0;
  // Stop at kDone: whatever follows belongs to the negotiated protocol, even if it happens to look
  // like a multistream message.
  while (state_ != State::kDone && off < in_.size()) {
    auto m = read_message(BytesView(in_).subspan(off));
    if (!m) return fail(std::move(m).error());
    if (!*m) break;
    off += (*m)->consumed;
    AIPG_TRY(on_message((*m)->text));
  }
  in_.erase(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(off));
  return ok();
}

void Negotiator::take_output(Bytes& out) {
  if (out.empty()) {
    out.swap(out_);
  } else {
    append(out, out_);
  }
  out_.clear();
}

Bytes Negotiator::take_leftover() {
  Bytes b;
  b.swap(in_);
  return b;
}

// ---- Dialer ------------------------------------------------------------------------------------

Dialer::Dialer(std::vector<std::string> protocols)
    : Negotiator(State::kAwaitHeader), protocols_(std::move(protocols)) {
  if (protocols_.empty()) {
    (void)fail(make_error(Errc::invalid_argument, "no protocols to propose"));
    return;
  }
  for (const auto& p : protocols_) {
    if (Status s = check_protocol_id(p); !s) {
      (void)fail(std::move(s).error());
      return;
    }
  }
  // Pipelined: the header and the first proposal go out together, without waiting for the
  // listener's header (go's SelectProtoOrFail, js's select).
  put_message(out_, kHeader);
  put_message(out_, protocols_[0]);
}

Status Dialer::on_message(std::string_view msg) {
  if (state_ == State::kAwaitHeader) return expect_header(msg, State::kAwaitAnswer);
  const std::string& proposed = protocols_[next_];
  if (msg == proposed) {
    protocol_ = proposed;
    state_ = State::kDone;
    return ok();
  }
  if (msg != kNotAvailable) {
    return fail(make_error(Errc::protocol_violation,
                           "proposed " + quote(proposed) + ", got " + quote(msg)));
  }
  if (++next_ == protocols_.size()) {
    std::string all;
    for (const auto& p : protocols_) all += (all.empty() ? "" : ", ") + p;
    return fail(make_error(Errc::unsupported, "peer supports none of: " + all));
  }
  put_message(out_, protocols_[next_]);
  return ok();
}

// ---- Listener ----------------------------------------------------------------------------------

Listener::Listener(std::function<bool(const std::string&)> supported)
    : Negotiator(State::kAwaitHeader), supported_(std::move(supported)) {}

Listener::Listener(std::vector<std::string> protocols)
    : Negotiator(State::kAwaitHeader), listed_(std::move(protocols)), can_list_(true) {
  supported_ = [this](const std::string& p) {
    return std::find(listed_.begin(), listed_.end(), p) != listed_.end();
  };
}

Status Listener::refuse() {
  if (++refused_ > kMaxRefusals) {
    return fail(make_error(Errc::resource_limit,
                           "refused " + std::to_string(kMaxRefusals) + " proposals; giving up"));
  }
  return ok();
}

Status Listener::on_message(std::string_view msg) {
  if (state_ == State::kAwaitHeader) {
    AIPG_TRY(expect_header(msg, State::kAwaitProposal));
    // Answered only once the dialer's header is seen, as js does, so a peer that does not speak
    // multistream gets nothing from us.
    put_message(out_, kHeader);
    return ok();
  }
  std::string proposal(msg);
  // An id we could not echo back intact (empty, or with a newline) is never supported.
  if (check_protocol_id(proposal) && supported_(proposal)) {
    put_message(out_, proposal);
    protocol_ = std::move(proposal);
    state_ = State::kDone;
    return ok();
  }
  AIPG_TRY(refuse());
  if (proposal == kList && can_list_) {
    // One message whose body is each id framed as a message (js-libp2p's form); put_message adds
    // the closing newline.
    Bytes body;
    for (const auto& p : listed_) {
      if (!check_protocol_id(p)) continue;
      Bytes one;
      put_message(one, p);
      if (body.size() + one.size() + 1 > kMaxMessageSize) break;
      append(body, one);
    }
    put_message(out_, as_chars(body));
    return ok();
  }
  put_message(out_, kNotAvailable);
  return ok();
}

}  // namespace aipg::multistream
