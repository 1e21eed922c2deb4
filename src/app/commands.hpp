// The `aipg` subcommands. Each returns the process exit code.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/time.hpp"

namespace aipg::app {

struct HostOptions {
  std::string key_file;                // --key (created if missing)
  std::vector<std::string> listen;     // --listen
  std::vector<std::string> bootstrap;  // --bootstrap MULTIADDR/p2p/ID
  size_t max_connections = 512;
};

struct ListenOptions {
  HostOptions host;
  bool echo = false;  // serve /aipg/echo/1.0.0 and /perf/1.0.0
};

struct PubsubOptions {
  HostOptions host;
  std::vector<std::string> sub;  // --sub TOPIC (repeatable)
  std::string pub;               // --pub TOPIC: stdin lines are published there
  std::optional<size_t> d, d_lo, d_hi;
  std::string message_id = "default";  // default (from ‖ seqno) or content (SHA-256 of data)
  bool score = true;                   // peer scoring with the default parameters
  bool print_scores = false;           // a `scores` line every second
  bool quiet = false;                  // no line per received message (relays in benchmarks)
  Duration linger = 1s;                // after stdin EOF or a signal, before closing
  // Benchmark mode (app/pubsub_bench.hpp): publish N generated messages to --pub, or wait for
  // N messages and print one summary line instead of a line per message.
  uint64_t bench_publish = 0;
  uint64_t bench_receive = 0;
  size_t bench_size = 1024;
  double bench_rate = 0;
};

struct PingOptions {
  std::string target;  // a multiaddr ending in /p2p/<id> (or not: then any id is accepted)
  std::string key_file;
  int count = 3;
  double timeout_s = 10;
};

struct EchoOptions {
  std::string target;
  std::string key_file;
  int streams = 1;
  size_t bytes = 1 << 20;
  double timeout_s = 10;
};

struct PerfOptions {
  std::string target;
  std::string key_file;
  uint64_t bytes = 64 << 20;
  double timeout_s = 10;
};

// A model a worker serves, from its config file: per-model caps (0: the worker's default).
struct WorkerModelOption {
  std::string name;          // grid model name
  std::string backend_name;  // the backend's own name (default: the grid name)
  uint32_t max_length = 0;
  uint32_t max_context_length = 0;
};

struct WorkerOptions {
  HostOptions host;
  std::string backend = "test";     // test | ollama=URL | openai=URL
  std::string backend_key;          // sent as Authorization: Bearer to the backend
  std::vector<std::string> models;  // --model GRID_NAME[=BACKEND_NAME]
  uint32_t slots = 1;
  std::string name;
  uint32_t max_length = 4096;
  uint32_t max_context_length = 32768;
  uint32_t test_delay_ms = 20;  // the test backend's time per generation
  uint32_t test_token_ms = 0;   // the test backend's time per word after that
  uint32_t drain_ms = 10000;    // on SIGINT/SIGTERM, how long running jobs may finish
  uint32_t health_interval_ms = 10000;
  uint32_t timeout_base_ms = 30000;  // a run's timeout: this + max_length × measured speed × 3
  // --config FILE: the worker's TOML (app/worker_config.hpp); a flag given on the command line
  // (its long name is in `given`) wins over the file's key.
  std::string config;
  std::set<std::string> given;
  std::vector<WorkerModelOption> model_table;  // the file's `models`, when --model is not given
};

struct NodeOptions {
  HostOptions host;
  std::string http = "127.0.0.1:8080";  // --http HOST:PORT (port 0: any)
  std::string public_url;               // NodeAdvert.http_url (default http://<--http>)
  // NodeAdvert.addrs: where workers dial for output streams (default: the bound addresses, an
  // unspecified one as this machine's interface addresses).
  std::vector<std::string> announce_addrs;
  std::string data_dir;       // the store's directory; empty: nothing persisted
  std::string sync = "full";  // full | normal (SQLite synchronous)
  std::string api_keys;       // key file: KEY [NAME] per line
  bool require_key = false;
  double rate_submits = 2, rate_submits_burst = 50;  // per key
  double rate_ip = 500, rate_ip_burst = 1000;        // requests per client IP
  size_t max_body_bytes = 1 << 20;
  uint32_t http_header_timeout_ms = 10000;  // the whole request head (slowloris)
  size_t max_prompt_bytes = 64 << 10;
  std::vector<std::string> cors_origins{"*"};
  uint32_t claim_window_ms = 50;
  uint32_t ttl_s = 1200;  // the AI Horde keeps a request 20 minutes
  uint32_t keep_finished_s = 3600;
};

struct DemoOptions {
  std::string backend;  // test | ollama=URL | openai=URL; empty: Ollama if it answers, else
                        // the llama-server in build/llama
  std::string model;    // the backend's model (GRID_NAME[=BACKEND_NAME]); empty: its first
  int jobs = 3;
  bool exit_when_done = false;
  uint32_t timeout_s = 120;  // start-up and jobs together
};

int run_keygen(const std::string& out);
int run_id(const std::string& key_file);
int run_listen(const ListenOptions& o);
int run_pubsub(const PubsubOptions& o);
int run_ping(const PingOptions& o);
int run_echo(const EchoOptions& o);
int run_perf(const PerfOptions& o);
int run_demo(const DemoOptions& o);
int run_worker(const WorkerOptions& o);
int run_node(const NodeOptions& o);
int run_bootstrap(const HostOptions& o);

}  // namespace aipg::app
