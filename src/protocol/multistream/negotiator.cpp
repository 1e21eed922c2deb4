#include "protocol/multistream/negotiator.hpp"

#include "wire/varint.hpp"

namespace aipg::multistream {

void put_message(Bytes& out, std::string_view text) {
  wire::put_uvarint(out, text.size() + 1);
  append(out, as_bytes(text));
  out.push_back('\n');
}

Status Negotiator::fail(Error e) {
  state_ = State::kFailed;
  e.message = "multistream: " + e.message;
  return e;
}

Status Negotiator::on_bytes(BytesView in) {
  if (state_ == State::kFailed) return make_error(Errc::protocol_violation, "multistream: failed");
  append(in_, in);
  size_t off = 0;
  while (state_ != State::kDone && off < in_.size()) {
    auto f = wire::read_uvarint_frame(BytesView(in_).subspan(off), kMaxMessageSize);
    if (!f) return fail(std::move(f).error());
    if (!*f) break;
    BytesView payload = (*f)->payload;
    off += (*f)->consumed;
    if (payload.empty() || payload.back() != '\n') {
      return fail(make_error(Errc::malformed, "message does not end with a newline"));
    }
    Status s = on_message(as_chars(payload.first(payload.size() - 1)));
    if (!s) return s;
  }
  in_.erase(in_.begin(), in_.begin() + off);
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

Dialer::Dialer(std::vector<std::string> protocols) : protocols_(std::move(protocols)) {
  put_message(out_, kHeader);
  if (protocols_.empty()) {
    state_ = State::kFailed;
    return;
  }
  put_message(out_, protocols_[0]);
}

Status Dialer::on_message(std::string_view msg) {
  if (state_ == State::kAwaitHeader) {
    if (msg != kHeader) {
      return fail(make_error(Errc::unsupported,
                             "expected " + std::string(kHeader) + ", got '" + std::string(msg) + "'"));
    }
    state_ = State::kAwaitAnswer;
    return ok();
  }
  if (msg == protocols_[next_]) {
    protocol_ = protocols_[next_];
    state_ = State::kDone;
    return ok();
  }
  if (msg != kNotAvailable) {
    return fail(make_error(Errc::protocol_violation, "proposed '" + protocols_[next_] +
                                                         "', got '" + std::string(msg) + "'"));
  }
  if (++next_ == protocols_.size()) {
    std::string all;
    for (const auto& p : protocols_) all += (all.empty() ? "" : ", ") + p;
    return fail(make_error(Errc::unsupported, "peer supports none of: " + all));
  }
  put_message(out_, protocols_[next_]);
  return ok();
}

Listener::Listener(std::function<bool(const std::string&)> supported)
    : supported_(std::move(supported)) {}

Status Listener::on_message(std::string_view msg) {
  if (state_ == State::kAwaitHeader) {
    if (msg != kHeader) {
      return fail(make_error(Errc::unsupported,
                             "expected " + std::string(kHeader) + ", got '" + std::string(msg) + "'"));
    }
    put_message(out_, kHeader);
    state_ = State::kAwaitProposal;
    return ok();
  }
  std::string proposal(msg);
  if (supported_(proposal)) {
    put_message(out_, proposal);
    protocol_ = std::move(proposal);
    state_ = State::kDone;
    return ok();
  }
  if (++refused_ > kMaxRefusals) {
    return fail(make_error(Errc::resource_limit,
                           "refused " + std::to_string(kMaxRefusals) + " proposals; giving up"));
  }
  // "ls" is optional in the spec; we answer it like any unknown proposal.
  put_message(out_, kNotAvailable);
  return ok();
}

}  // namespace aipg::multistream
