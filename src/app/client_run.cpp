#include "app/client_run.hpp"

#include "app/json_lines.hpp"
#include "base/log.hpp"

namespace aipg::app {

Duration seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

ClientRun::ClientRun(io::AsioRuntime& ar, node::Host& host, Duration step_timeout, bool json)
    : ar_(ar), host_(host), timeout_(step_timeout), json_(json) {}

ClientRun::~ClientRun() {
  if (timer_ != runtime::kNoTimer) host_.runtime().timers.cancel(timer_);
  host_.remove_observer(this);
}

void ClientRun::start(const wire::Multiaddr& target) {
  host_.add_observer(this);
  arm("connect");
  host_.connect(target, [this](Result<wire::PeerId> r) {
    if (!r) return fail("connect: " + r.error().to_string());
    remote_ = *r;
    arm("identify");
    // identify may have finished before the dial callback ran
    if (const node::PeerInfo* info = host_.peer_store().find(*remote_); info && info->identified) {
      on_peer_identified(*remote_, *info);
    }
  });
}

void ClientRun::on_peer_identified(const wire::PeerId& p, const node::PeerInfo& info) {
  if (!remote_ || p != *remote_ || identified_ || done_) return;
  identified_ = true;
  if (json_) emit(peer_json("identify", p, info));
  on_ready(p, info);
}

void ClientRun::arm(const std::string& step, Duration timeout) {
  auto& rt = host_.runtime();
  if (timer_ != runtime::kNoTimer) rt.timers.cancel(timer_);
  timer_ = rt.timers.schedule_at(rt.clock.now() + timeout, [this, step] {
    timer_ = runtime::kNoTimer;
    fail(step + ": no answer within the timeout");
  });
}

void ClientRun::fail(const std::string& why) {
  if (done_) return;
  log::error("{}", why);
  if (json_) emit({{"event", "error"}, {"message", why}});
  finish(1);
}

void ClientRun::finish(int code) {
  if (done_) return;
  done_ = true;
  code_ = code;
  auto& rt = host_.runtime();
  if (timer_ != runtime::kNoTimer) {
    rt.timers.cancel(timer_);
    timer_ = runtime::kNoTimer;
  }
  host_.close();
  // Let the GoAway and FIN frames leave before the loop stops.
  rt.timers.schedule_at(rt.clock.now() + 100ms, [this] { ar_.stop(); });
}

}  // namespace aipg::app
