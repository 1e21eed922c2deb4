// ClientRun — the shared skeleton of the one-shot client commands (ping, echo, perf): dial the
// target, wait for its identify, then run the command's step; every step has a timeout, the
// outcome is the exit code, and the host is closed before the runtime stops.
#pragma once

#include <optional>
#include <string>

#include "app/key_file.hpp"
#include "app/version.hpp"
#include "base/log.hpp"
#include "io/asio/asio_runtime.hpp"
#include "node/host.hpp"

namespace aipg::app {

class ClientRun : public node::HostObserver {
 public:
  ClientRun(io::AsioRuntime& ar, node::Host& host, Duration step_timeout, bool json = true);
  ~ClientRun() override;

  void start(const wire::Multiaddr& target);
  int exit_code() const { return code_; }

 protected:
  // Called once, after the remote's identify arrived; the remote's info is printed already.
  virtual void on_ready(const wire::PeerId& remote, const node::PeerInfo& info) = 0;
  void arm(const std::string& step, Duration timeout);
  void arm(const std::string& step) { arm(step, timeout_); }
  void fail(const std::string& why);
  void finish(int code);
  node::Host& host() { return host_; }
  const wire::PeerId& remote() const { return *remote_; }
  Duration step_timeout() const { return timeout_; }

 private:
  void on_peer_identified(const wire::PeerId& p, const node::PeerInfo& info) override;

  io::AsioRuntime& ar_;
  node::Host& host_;
  Duration timeout_;
  bool json_;  // machine-readable lines on stdout (off for the human-facing demo)
  std::optional<wire::PeerId> remote_;
  runtime::TimerId timer_ = runtime::kNoTimer;
  bool identified_ = false;
  bool done_ = false;
  int code_ = 1;
};

Duration seconds(double s);

// Runs a one-shot client command: parses o.target, loads o.key_file (a fresh key if empty),
// builds a host on the Asio runtime, runs Run(ar, host, o) to its end; the exit code.
template <class Run, class Options>
int run_client(const Options& o) {
  auto target = wire::Multiaddr::parse(o.target);
  if (!target) {
    log::error("multiaddr {}: {}", o.target, target.error().message);
    return 2;
  }
  auto key = load_or_create_key(o.key_file);
  if (!key) {
    log::error("{}", key.error().message);
    return 1;
  }
  io::AsioRuntime ar;
  runtime::Runtime rt = ar.runtime();
  node::HostConfig cfg;
  cfg.agent_version = kAgentVersion;
  node::Host host(rt, std::move(*key), cfg);
  Run run(ar, host, o);
  run.start(*target);
  ar.run();
  return run.exit_code();
}

}  // namespace aipg::app
