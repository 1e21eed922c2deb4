// aipg — one binary, several roles (DESIGN.md §1). This file only parses the command line.
#include <malloc.h>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/logging.hpp"
#include "app/version.hpp"

namespace {

// The flags of every long-running role that runs a host (DESIGN.md §1 conventions).
// `listen_required` is false for a role that may take --listen from its own config file.
void add_host_options(CLI::App* cmd, aipg::app::HostOptions& o, bool listen_required = true) {
  cmd->add_option("--key", o.key_file, "identity key file (created if missing)");
  cmd->add_option("--listen", o.listen, "multiaddr to listen on (repeatable)")
      ->required(listen_required);
  cmd->add_option("--bootstrap", o.bootstrap,
                  "peer to keep connected, /ip4/…/tcp/…/p2p/12D3KooW… (repeatable)");
  cmd->add_option("--max-connections", o.max_connections)->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aipg::app;
  // Keep freed buffers in the process: with glibc's defaults every large write buffer is
  // returned to the kernel and refilled through page faults, which halves stream throughput.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  CLI::App cli{"aipg — the decentralized AI Power Grid node"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("aipg ") + kVersion);
  std::string log_level = "info", log_format = "text";
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();
  cli.add_option("--log-format", log_format, "text or json")->capture_default_str();
  // Every flag has a key of the same name in the TOML file; a subcommand's flags sit in a table
  // named after it ([listen], [pubsub], …). The command line wins over the file.
  cli.set_config("--config", "", "TOML configuration file");
  cli.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error

  std::string keygen_out;
  auto* keygen =
      cli.add_subcommand("keygen", "write a new identity key file and print its peer id");
  keygen->add_option("--out", keygen_out, "key file to create (mode 0600)")->required();

  std::string id_key;
  auto* id = cli.add_subcommand("id", "print the peer id of a key file");
  id->add_option("--key", id_key, "identity key file")->required();

  ListenOptions listen_o;
  auto* listen = cli.add_subcommand(
      "listen", "run a host that serves identify and ping until stopped (SIGINT/SIGTERM)");
  add_host_options(listen, listen_o.host);
  listen->add_flag("--echo", listen_o.echo, "also serve /aipg/echo/1.0.0 and /perf/1.0.0");

  PubsubOptions pubsub_o;
  auto* pubsub = cli.add_subcommand(
      "pubsub", "join the gossipsub mesh: print messages as JSON lines, publish stdin lines");
  add_host_options(pubsub, pubsub_o.host);
  pubsub->add_option("--sub", pubsub_o.sub, "topic to subscribe to (repeatable)");
  pubsub->add_option("--pub", pubsub_o.pub, "topic each stdin line is published to");
  pubsub->add_option("--d", pubsub_o.d, "mesh degree D (default 6; 0 = gossip only)");
  pubsub->add_option("--d-lo", pubsub_o.d_lo, "mesh low watermark (default 4)");
  pubsub->add_option("--d-hi", pubsub_o.d_hi, "mesh high watermark (default 12)");
  pubsub->add_option("--message-id", pubsub_o.message_id, "default (from+seqno) or content")
      ->capture_default_str();
  pubsub->add_flag("--score,!--no-score", pubsub_o.score, "peer scoring (default on)");
  pubsub->add_flag("--print-scores", pubsub_o.print_scores,
                   "print peer scores and mesh members every second");
  pubsub->add_flag("--quiet", pubsub_o.quiet, "do not print a line per received message");
  pubsub->add_option("--bench-publish", pubsub_o.bench_publish,
                     "publish N generated messages to --pub, then stop");
  pubsub->add_option("--bench-receive", pubsub_o.bench_receive,
                     "wait for N messages, print throughput and latency, then stop");
  pubsub->add_option("--bench-size", pubsub_o.bench_size, "bytes per generated message")
      ->capture_default_str()
      ->check(CLI::Range(16, 1 << 20));
  pubsub->add_option("--bench-rate", pubsub_o.bench_rate, "messages/s; 0 = as fast as possible")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  PingOptions ping_o;
  auto* ping = cli.add_subcommand("ping", "dial a peer, print its identify data and round trips");
  ping->add_option("multiaddr", ping_o.target, "e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…")
      ->required();
  ping->add_option("--key", ping_o.key_file, "identity key file (default: a fresh key)");
  ping->add_option("--count", ping_o.count, "number of pings")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  ping->add_option("--timeout", ping_o.timeout_s, "seconds to wait for each step")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));

  EchoOptions echo_o;
  auto* echo = cli.add_subcommand("echo", "check N concurrent echo streams against a peer");
  echo->add_option("multiaddr", echo_o.target, "peer serving /aipg/echo/1.0.0")->required();
  echo->add_option("--key", echo_o.key_file, "identity key file (default: a fresh key)");
  echo->add_option("--streams", echo_o.streams)->capture_default_str()->check(CLI::Range(1, 1000));
  echo->add_option("--bytes", echo_o.bytes, "bytes per stream")
      ->capture_default_str()
      ->check(CLI::Range(size_t(1), size_t(1) << 30));
  echo->add_option("--timeout", echo_o.timeout_s, "seconds per step")->capture_default_str();

  PerfOptions perf_o;
  auto* perf = cli.add_subcommand("perf", "measure throughput with libp2p's /perf/1.0.0");
  perf->add_option("multiaddr", perf_o.target, "peer serving /perf/1.0.0")->required();
  perf->add_option("--key", perf_o.key_file, "identity key file (default: a fresh key)");
  perf->add_option("--bytes", perf_o.bytes, "bytes up, then bytes down")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t(1), uint64_t(1) << 40));
  perf->add_option("--timeout", perf_o.timeout_s, "seconds per step")->capture_default_str();

  HostOptions bootstrap_o;
  auto* bootstrap = cli.add_subcommand(
      "bootstrap", "a mesh peer others dial first: relays and checks the grid's topics");
  add_host_options(bootstrap, bootstrap_o);

  WorkerOptions worker_o;
  auto* worker = cli.add_subcommand("worker", "serve models to the grid: claim, run, publish");
  add_host_options(worker, worker_o.host, /*listen_required=*/false);
  worker
      ->add_option("--backend", worker_o.backend,
                   "test, ollama=URL (e.g. http://127.0.0.1:11434) or openai=URL "
                   "(vLLM, llama-server: e.g. http://127.0.0.1:8080)")
      ->capture_default_str();
  worker->add_option("--backend-key", worker_o.backend_key,
                     "sent to the backend as Authorization: Bearer KEY");
  worker->add_option("--config", worker_o.config,
                     "the worker's TOML file: the same settings, and `models` with per-model "
                     "caps; flags win (docs/backends.md)");
  worker->add_option("--model", worker_o.models, "GRID_NAME[=BACKEND_NAME] (repeatable)");
  worker->add_option("--slots", worker_o.slots, "generations run at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  worker->add_option("--name", worker_o.name, "shown as worker_name (default: from the peer id)");
  worker->add_option("--max-length", worker_o.max_length, "tokens generated at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  worker->add_option("--max-context-length", worker_o.max_context_length)
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 24));
  worker->add_option("--test-delay-ms", worker_o.test_delay_ms, "test backend: ms per generation")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  worker
      ->add_option("--test-token-ms", worker_o.test_token_ms,
                   "test backend: ms between the words of its answer (streamed)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  worker
      ->add_option("--drain-ms", worker_o.drain_ms,
                   "on SIGINT/SIGTERM, how long running jobs may finish before they are "
                   "released to other workers (a second signal releases them at once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  worker
      ->add_option("--timeout-base-ms", worker_o.timeout_base_ms,
                   "a run may take this long plus 3 × max_length × the measured time per "
                   "token (250 ms until measured) before it is released to other workers")
      ->capture_default_str()
      ->check(CLI::Range(100, 86400000));
  worker
      ->add_option("--health-interval-ms", worker_o.health_interval_ms,
                   "how often the backend is checked")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600000));

  NodeOptions node_o;
  auto* node = cli.add_subcommand("node", "an API node: AI Horde and OpenAI HTTP APIs on the grid");
  add_host_options(node, node_o.host);
  node->add_option("--http", node_o.http, "HOST:PORT to serve HTTP on")->capture_default_str();
  node->add_option("--public-url", node_o.public_url, "URL others reach this node's HTTP API at");
  node->add_option("--announce-addr", node_o.announce_addrs,
                   "multiaddr workers dial to stream output to this node (repeatable; default: "
                   "the listen addresses, 0.0.0.0 as this machine's interface addresses)");
  node->add_option("--data-dir", node_o.data_dir, "directory of the job store (none: not kept)");
  node->add_option("--sync", node_o.sync, "store durability: full or normal")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  node->add_option("--api-keys", node_o.api_keys, "file of API keys, KEY [NAME] per line");
  node->add_flag("--require-key", node_o.require_key, "refuse anonymous requests");
  node->add_option("--rate-submits", node_o.rate_submits, "job submissions per second per key")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  node->add_option("--rate-submits-burst", node_o.rate_submits_burst)
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  node->add_option("--rate-ip", node_o.rate_ip, "requests per second per client IP (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  node->add_option("--rate-ip-burst", node_o.rate_ip_burst)
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  node->add_option("--max-body-bytes", node_o.max_body_bytes)
      ->capture_default_str()
      ->check(CLI::Range(size_t(1024), size_t(64) << 20));
  node->add_option("--http-header-timeout-ms", node_o.http_header_timeout_ms,
                   "a request head must arrive within this (slow clients are cut off)")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  node->add_option("--max-prompt-bytes", node_o.max_prompt_bytes)
      ->capture_default_str()
      ->check(CLI::Range(size_t(1), size_t(64) << 10));
  node->add_option("--cors-origin", node_o.cors_origins, "allowed origin, or * (repeatable)")
      ->capture_default_str();
  node->add_option("--claim-window-ms", node_o.claim_window_ms)
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  node->add_option("--ttl-s", node_o.ttl_s, "seconds a job may take before it is faulted")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  node->add_option("--keep-finished-s", node_o.keep_finished_s,
                   "seconds finished jobs are kept and answered for")
      ->capture_default_str()
      ->check(CLI::Range(1, 30 * 86400));

  DemoOptions demo_o;
  auto* demo = cli.add_subcommand("demo", "run a small local grid on loopback and show it work");
  demo->add_option("--backend", demo_o.backend,
                   "test, ollama=URL or openai=URL (default: a local Ollama, else the "
                   "llama-server that scripts/setup builds)");
  demo->add_option("--model", demo_o.model, "the backend's model (default: the first it lists)");
  demo->add_option("--jobs", demo_o.jobs, "jobs to send")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  demo->add_flag("--exit-when-done", demo_o.exit_when_done,
                 "exit once the jobs are done (0) or failed (1), instead of waiting for Ctrl-C");
  demo->add_option("--timeout-s", demo_o.timeout_s, "time limit for start-up and jobs")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));

  CLI11_PARSE(cli, argc, argv);
  if (auto s = configure_logging(log_level, log_format); !s) {
    std::fprintf(stderr, "aipg: %s\n", s.error().message.c_str());
    return 2;
  }
  if (keygen->parsed()) return run_keygen(keygen_out);
  if (id->parsed()) return run_id(id_key);
  if (listen->parsed()) return run_listen(listen_o);
  if (pubsub->parsed()) return run_pubsub(pubsub_o);
  if (ping->parsed()) return run_ping(ping_o);
  if (echo->parsed()) return run_echo(echo_o);
  if (perf->parsed()) return run_perf(perf_o);
  if (demo->parsed()) return run_demo(demo_o);
  if (bootstrap->parsed()) return run_bootstrap(bootstrap_o);
  if (worker->parsed()) {
    // What the command line set, so that the worker's --config file does not override it.
    for (const CLI::Option* opt : worker->get_options()) {
      if (opt->count() > 0 && !opt->get_lnames().empty()) {
        worker_o.given.insert(opt->get_lnames().front());
      }
    }
    return run_worker(worker_o);
  }
  if (node->parsed()) return run_node(node_o);
  return 2;
}
