// aipg demo: a whole grid on 127.0.0.1 as separate processes of this same binary (a bootstrap,
// two API nodes, two workers, and a llama-server when no other backend is at hand), a few jobs
// through the HTTP APIs with their results, then example commands against the running nodes.
// Stays up until Ctrl-C (or, with --exit-when-done, exits once the jobs are done) and stops
// every child it started.
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "app/child_process.hpp"
#include "app/commands.hpp"
#include "app/demo_backend.hpp"
#include "app/demo_jobs.hpp"
#include "app/version.hpp"

namespace aipg::app {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int sig) { g_signal = sig; }
bool interrupted() { return g_signal != 0; }

void say(const char* fmt, auto... args) {
  std::printf(fmt, args...);
  std::fflush(stdout);
}

Result<std::string> self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return make_error(Errc::io, "cannot read /proc/self/exe");
  return std::string(buf, size_t(n));
}

struct Grid {
  std::string exe, dir;
  std::vector<ChildProcess> children;  // in start order
  std::string boot_addr;
  Url a, b;

  Duration time_left(SteadyClock::time_point deadline) const {
    return std::chrono::duration_cast<Duration>(deadline - SteadyClock::now());
  }

  // Starts `aipg --log-level info ROLE ARGS…` (logs under dir) and waits for its ready line.
  Result<json::object> start(const std::string& name, std::vector<std::string> args,
                             const std::string& ready, SteadyClock::time_point deadline) {
    std::vector<std::string> argv = {exe, "--log-level", "info"};
    argv.insert(argv.end(), args.begin(), args.end());
    AIPG_TRY_ASSIGN(ChildProcess c, ChildProcess::spawn(name, argv, dir + "/" + name));
    children.push_back(std::move(c));
    return children.back().wait_event(ready, time_left(deadline), interrupted);
  }

  std::vector<std::string> host_args(const std::string& name) const {
    std::vector<std::string> a = {"--key", dir + "/" + name + ".key", "--listen",
                                  "/ip4/127.0.0.1/tcp/0"};
    if (!boot_addr.empty()) a.insert(a.end(), {"--bootstrap", boot_addr});
    return a;
  }
};

std::string field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Status start_grid(Grid& g, const DemoBackend& backend, SteadyClock::time_point deadline) {
  std::vector<std::string> boot_args = {"bootstrap"};
  for (auto& a : g.host_args("bootstrap")) boot_args.push_back(a);
  AIPG_TRY_ASSIGN(json::object boot, g.start("bootstrap", boot_args, "listening", deadline));
  const json::value* addrs = boot.if_contains("addrs");
  if (!addrs || !addrs->is_array() || addrs->as_array().empty()) {
    return make_error(Errc::malformed, "bootstrap: no addrs in its listening line");
  }
  g.boot_addr = std::string(addrs->as_array()[0].as_string());
  say("  bootstrap   %s\n", g.boot_addr.c_str());
  for (const char* n : {"a", "b"}) {
    const std::string name = std::string("node-") + n;
    std::vector<std::string> args = {"node"};
    for (auto& a : g.host_args(name)) args.push_back(a);
    args.insert(args.end(), {"--http", "127.0.0.1:0", "--data-dir", g.dir + "/" + name});
    AIPG_TRY_ASSIGN(json::object ready, g.start(name, args, "node_ready", deadline));
    AIPG_TRY_ASSIGN(Url u, parse_url("http://" + field(ready, "http")));
    (*n == 'a' ? g.a : g.b) = u;
    say("  API node %s  http://%s  (peer %s)\n", n, field(ready, "http").c_str(),
        field(ready, "peer_id").c_str());
  }
  for (const char* n : {"1", "2"}) {
    const std::string name = std::string("demo-worker-") + n;
    std::vector<std::string> args = {"worker"};
    for (auto& a : g.host_args(name)) args.push_back(a);
    args.insert(args.end(), {"--name", name});
    args.insert(args.end(), backend.worker_args.begin(), backend.worker_args.end());
    AIPG_TRY_ASSIGN(json::object ready, g.start(name, args, "worker_ready", deadline));
    say("  worker      %s  (peer %s)\n", name.c_str(), field(ready, "peer_id").c_str());
  }
  return ok();
}

// Until both nodes list both workers for the model: adverts travel over gossipsub.
Status wait_workers_known(const Grid& g, const std::string& model,
                          SteadyClock::time_point deadline) {
  for (const Url* u : {&g.a, &g.b}) {
    for (;;) {
      auto v = http_json(*u, "GET", "/api/v2/status/models?type=text", "", 2s);
      if (v && v->is_array()) {
        bool seen = false;
        for (const json::value& m : v->as_array()) {
          const json::value* name = m.is_object() ? m.as_object().if_contains("name") : nullptr;
          const json::value* count = m.is_object() ? m.as_object().if_contains("count") : nullptr;
          seen = seen || (name && name->is_string() && name->as_string() == model && count &&
                          count->is_number() && count->to_number<double>() >= 2);
        }
        if (seen) break;
      }
      if (interrupted()) return make_error(Errc::closed, "interrupted");
      if (SteadyClock::now() >= deadline) {
        return make_error(Errc::timeout, "the API nodes did not see both workers for " + model +
                                             " within --timeout-s; see the logs in " + g.dir);
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  return ok();
}

int print_results(const std::vector<DemoJobResult>& results) {
  int failed = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const DemoJobResult& r = results[i];
    if (r.ok) {
      say("job %zu done by %s in %.0f ms  [%s]\n", i + 1,
          r.worker_name.empty() ? "(unknown worker)" : r.worker_name.c_str(), r.seconds * 1000,
          r.route.c_str());
    } else {
      ++failed;
      say("job %zu FAILED  [%s]\n", i + 1, r.route.c_str());
    }
    say("    prompt: %s\n", r.prompt.c_str());
    // Answers may span lines (a chat's template, a real model's prose): keep them indented.
    std::string text;
    for (char c : r.text) text += c == '\n' ? std::string("\n            ") : std::string(1, c);
    say("    %s %s\n", r.ok ? "answer:" : "error: ", text.c_str());
  }
  return failed;
}

void print_examples(const Grid& g, const std::string& model) {
  const std::string a = "http://" + g.a.host + ":" + std::to_string(g.a.port);
  const std::string b = "http://" + g.b.host + ":" + std::to_string(g.b.port);
  const char* m = model.c_str();
  say("\nTry it yourself while the demo runs:\n");
  say("  curl -s %s/api/v2/generate/text/async -H 'Content-Type: application/json' \\\n"
      "    -d '{\"prompt\":\"Hello, grid\",\"models\":[\"%s\"],\"params\":{\"max_length\":40}}'\n",
      a.c_str(), m);
  say("  curl -s %s/api/v2/generate/text/status/ID   # the id printed above, on the other node\n",
      b.c_str());
  say("  curl -s %s/v1/chat/completions -H 'Content-Type: application/json' \\\n"
      "    -d '{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello, "
      "grid\"}]}'\n",
      a.c_str(), m);
  say("  curl -s '%s/api/v2/workers?type=text'\n", b.c_str());
  say("\nPython (pip install openai):\n"
      "  from openai import OpenAI\n"
      "  client = OpenAI(base_url=\"%s/v1\", api_key=\"0000000000\")\n"
      "  r = client.chat.completions.create(model=\"%s\",\n"
      "      messages=[{\"role\": \"user\", \"content\": \"Hello, grid\"}])\n"
      "  print(r.choices[0].message.content)\n",
      a.c_str(), m);
  say("\nNode.js (npm install openai):\n"
      "  import OpenAI from 'openai';\n"
      "  const client = new OpenAI({ baseURL: '%s/v1', apiKey: '0000000000' });\n"
      "  const r = await client.chat.completions.create({ model: '%s',\n"
      "    messages: [{ role: 'user', content: 'Hello, grid' }] });\n"
      "  console.log(r.choices[0].message.content);\n",
      a.c_str(), m);
}

// Until a signal, or until a child ends on its own (then the demo cannot go on).
int wait_until_stopped(Grid& g) {
  say("\nThe grid runs until Ctrl-C.\n");
  for (;;) {
    if (interrupted()) return 0;
    for (ChildProcess& c : g.children) {
      if (!c.running()) {
        say("%s %s; stopping the demo (see %s)\n", c.name().c_str(), c.exit_text().c_str(),
            c.err_path().c_str());
        return 1;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
}

int run(const DemoOptions& o, Grid& g) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(o.timeout_s);
  auto fail = [&](const Error& e) {
    if (interrupted()) return say("interrupted\n"), 130;
    std::fprintf(stderr, "aipg demo: %s\n", e.message.c_str());
    return e.code == Errc::invalid_argument ? 2 : 1;
  };
  auto backend = choose_backend(o, {g.exe, g.dir, interrupted});
  if (!backend) return fail(backend.error());
  if (backend->server) g.children.push_back(std::move(*backend->server));
  say("Backend: %s\n", backend->description.c_str());
  if (!backend->warning.empty()) say("NOTE: %s\n", backend->warning.c_str());
  say("Starting the grid on 127.0.0.1 (one process each; logs in %s):\n", g.dir.c_str());
  if (auto s = start_grid(g, *backend, deadline); !s) return fail(s.error());
  // Workers advertise as soon as a peer listens and whenever they hear a new API node, so this
  // takes a moment, not an advert interval; the line says what a pause would be.
  say("Waiting for the workers' adverts to reach both API nodes...\n");
  const auto t0 = SteadyClock::now();
  if (auto s = wait_workers_known(g, backend->grid_model, deadline); !s) return fail(s.error());
  say("Both API nodes see both workers serving %s (after %.1f s).\n\n", backend->grid_model.c_str(),
      std::chrono::duration<double>(SteadyClock::now() - t0).count());
  say("Sending %d job(s):\n", o.jobs);
  const auto results =
      run_demo_jobs({g.a, g.b, backend->grid_model, o.jobs, deadline, interrupted});
  const int failed = print_results(results);
  if (interrupted()) return say("interrupted\n"), 130;
  if (o.exit_when_done) {
    if (failed) {
      std::fprintf(stderr, "aipg demo: %d of %zu job(s) failed; logs in %s\n", failed,
                   results.size(), g.dir.c_str());
      return 1;
    }
    say("All %zu job(s) done.\n", results.size());
    return 0;
  }
  print_examples(g, backend->grid_model);
  return wait_until_stopped(g);
}

}  // namespace

int run_demo(const DemoOptions& o) {
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  auto exe = self_exe();
  if (!exe) {
    std::fprintf(stderr, "aipg demo: %s\n", exe.error().message.c_str());
    return 1;
  }
  char tmpl[] = "/tmp/aipg-demo-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::fprintf(stderr, "aipg demo: cannot create a directory under /tmp\n");
    return 1;
  }
  say("aipg %s demo: a decentralized AI grid on this machine\n", kVersion);
  Grid g{*exe, tmpl, {}, {}, {}, {}};
  const int code = run(o, g);
  if (g.children.empty()) {  // nothing started: nothing to stop, no logs to keep
    rmdir(g.dir.c_str());
    return code;
  }
  say("Stopping %zu process(es)...\n", g.children.size());
  const auto killed = stop_all(g.children, 5s);
  for (const std::string& k : killed) say("  %s did not stop in 5 s: killed\n", k.c_str());
  say("Stopped. Logs are kept in %s\n", g.dir.c_str());
  return code;
}

}  // namespace aipg::app
