// The `aipg` subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

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

struct DemoOptions {
  int pings = 3;
};

int run_keygen(const std::string& out);
int run_id(const std::string& key_file);
int run_listen(const ListenOptions& o);
int run_ping(const PingOptions& o);
int run_echo(const EchoOptions& o);
int run_perf(const PerfOptions& o);
int run_demo(const DemoOptions& o);

}  // namespace aipg::app
