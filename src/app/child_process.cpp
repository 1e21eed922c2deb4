#include "app/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

namespace aipg::app {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string errno_text(const std::string& what, int err) { return what + ": " + strerror(err); }

// Between fork and exec only async-signal-safe calls: everything is prepared before the fork.
[[noreturn]] void exec_child(char* const* argv, int out_fd, int err_fd, int report_fd,
                             pid_t parent) {
  setpgid(0, 0);
  // The signal the kernel sends when the demo dies, whatever the cause. If the demo is
  // already gone (it died between fork and here), nobody would send it: leave at once.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  execv(argv[0], argv);
  const int err = errno;
  (void)!write(report_fd, &err, sizeof err);
  _exit(127);
}

}  // namespace

Result<ChildProcess> ChildProcess::spawn(std::string name, const std::vector<std::string>& argv,
                                         const std::string& log_base) {
  if (argv.empty()) return make_error(Errc::invalid_argument, name + ": no command");
  const std::string out = log_base + ".out", err = log_base + ".err";
  const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int report[2] = {-1, -1};
  auto close_all = [&] {
    for (int fd : {out_fd, err_fd, report[0], report[1]}) {
      if (fd >= 0) close(fd);
    }
  };
  if (out_fd < 0 || err_fd < 0) {
    const int e = errno;
    close_all();
    return make_error(Errc::io, errno_text("cannot create " + log_base + ".{out,err}", e));
  }
  // exec failures come back through this pipe; a successful exec closes it (O_CLOEXEC).
  if (pipe2(report, O_CLOEXEC) != 0) {
    const int e = errno;
    close_all();
    return make_error(Errc::io, errno_text("pipe", e));
  }
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close_all();
    return make_error(Errc::io, errno_text("fork", e));
  }
  if (pid == 0) exec_child(cargv.data(), out_fd, err_fd, report[1], parent);
  close(report[1]);
  report[1] = -1;
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  close_all();
  if (n == sizeof exec_errno) {
    waitpid(pid, nullptr, 0);
    return make_error(Errc::io, errno_text(name + ": cannot run " + argv[0], exec_errno));
  }
  // Also from the demo's side, so that a signal sent to the group right after the fork finds
  // it (whichever of the two setpgid calls runs first wins; both give the same group).
  setpgid(pid, pid);
  return ChildProcess(std::move(name), pid, out, err);
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : name_(std::move(o.name_)),
      pid_(std::exchange(o.pid_, -1)),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)),
      read_at_(o.read_at_),
      wait_status_(o.wait_status_) {}

ChildProcess::~ChildProcess() {
  if (pid_ < 0 || !running()) return;
  request_stop();
  finish_stop(SteadyClock::now() + 3s);
}

bool ChildProcess::running() {
  if (pid_ < 0 || wait_status_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    wait_status_ = status;
    return false;
  }
  // r < 0: not our child any more (reaped elsewhere); treat as ended.
  if (r < 0) {
    wait_status_ = 0;
    return false;
  }
  return true;
}

std::string ChildProcess::exit_text() const {
  if (!wait_status_) return {};
  const int s = *wait_status_;
  if (WIFEXITED(s)) return "exited with code " + std::to_string(WEXITSTATUS(s));
  if (WIFSIGNALED(s)) return "killed by signal " + std::to_string(WTERMSIG(s));
  return "ended";
}

std::string ChildProcess::stderr_tail(size_t lines) const {
  std::ifstream in(err_);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "\n    " + all[i];
  }
  return out.empty() ? " (its stderr is empty)" : out;
}

Result<boost::json::object> ChildProcess::wait_event(const std::string& event, Duration timeout,
                                                     const std::function<bool()>& interrupted) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    // Whole lines only: a line still being written is read again next time.
    std::ifstream in(out_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(read_at_));
    std::string line;
    while (std::getline(in, line) && !in.eof()) {
      read_at_ += line.size() + 1;
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(line, ec);
      if (ec || !v.is_object()) continue;
      const auto* e = v.as_object().if_contains("event");
      if (e && e->is_string() && e->as_string() == event) return v.as_object();
    }
    if (!running()) {
      return make_error(Errc::closed, name_ + " " + exit_text() + " before `" + event +
                                          "`; the end of " + err_ + ":" + stderr_tail());
    }
    if (interrupted && interrupted()) return make_error(Errc::closed, "interrupted");
    if (SteadyClock::now() >= deadline) {
      return make_error(Errc::timeout, name_ + ": no `" + event + "` line in " +
                                           std::to_string(timeout / 1s) + " s; see " + err_);
    }
    std::this_thread::sleep_for(20ms);
  }
}

void ChildProcess::request_stop() {
  if (running()) kill(pid_, SIGTERM);
}

bool ChildProcess::finish_stop(SteadyClock::time_point deadline) {
  while (running()) {
    if (SteadyClock::now() >= deadline) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      wait_status_ = status;
      return false;
    }
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::vector<std::string> stop_all(std::vector<ChildProcess>& children, Duration grace) {
  for (ChildProcess& c : children) c.request_stop();
  const auto deadline =
      SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(grace);
  std::vector<std::string> killed;
  for (ChildProcess& c : children) {
    if (!c.finish_stop(deadline)) killed.push_back(c.name());
  }
  return killed;
}

}  // namespace aipg::app
