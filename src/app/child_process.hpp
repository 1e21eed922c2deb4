// Child processes for `aipg demo`: started with an argument vector (no shell), stdout and stderr
// to files, in their own process group (a Ctrl-C in the terminal reaches only the demo, which
// then stops them in order) and with PR_SET_PDEATHSIG, so that they end even if the demo is
// killed outright. Ready lines are read from the stdout file, so a chatty child never blocks
// on a full pipe.
#pragma once

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"

namespace aipg::app {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; stdout goes to `<log_base>.out`, stderr to `<log_base>.err`.
  static Result<ChildProcess> spawn(std::string name, const std::vector<std::string>& argv,
                                    const std::string& log_base);

  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  // Stops the child if it still runs (SIGTERM, then SIGKILL after a short grace period).
  ~ChildProcess();

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  const std::string& out_path() const { return out_; }
  const std::string& err_path() const { return err_; }

  // Waits for a stdout JSON line whose "event" is `event` and returns it. Fails when the child
  // exits first (the message quotes the end of its stderr), on timeout, or when
  // `interrupted()` turns true.
  Result<boost::json::object> wait_event(const std::string& event, Duration timeout,
                                         const std::function<bool()>& interrupted);
  // Whether it still runs; reaps it (and records its exit) when it has ended.
  bool running();
  // "exited with code 2", "killed by signal 9"; empty while it runs.
  std::string exit_text() const;
  // The last `lines` lines of its stderr, for error messages.
  std::string stderr_tail(size_t lines = 5) const;
  // SIGTERM now; see finish_stop.
  void request_stop();
  // Waits until `deadline` for it to end, then SIGKILLs it and reaps it. True if it ended
  // on its own.
  bool finish_stop(std::chrono::steady_clock::time_point deadline);

 private:
  ChildProcess(std::string name, pid_t pid, std::string out, std::string err)
      : name_(std::move(name)), pid_(pid), out_(std::move(out)), err_(std::move(err)) {}

  std::string name_;
  pid_t pid_ = -1;
  std::string out_, err_;
  size_t read_at_ = 0;  // how far stdout has been scanned for events
  std::optional<int> wait_status_;
};

// Stops all of them: SIGTERM to every one, then waits up to `grace` in total before SIGKILL.
// Returns the names of those that had to be killed.
std::vector<std::string> stop_all(std::vector<ChildProcess>& children, Duration grace);

}  // namespace aipg::app
