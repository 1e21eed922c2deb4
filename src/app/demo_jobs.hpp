// The jobs `aipg demo` sends through the HTTP APIs: AI Horde async submits on node A whose
// status is polled on node B (any node answers for any job), then one blocking OpenAI chat
// completion on node B whose worker is looked up on node A.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/demo_http.hpp"

namespace aipg::app {

struct DemoJobsPlan {
  Url a, b;           // the two API nodes
  std::string model;  // grid model name
  int jobs = 3;       // the last one is the chat completion when there are two or more
  std::chrono::steady_clock::time_point deadline;
  std::function<bool()> interrupted;
};

struct DemoJobResult {
  std::string route;  // how it was sent, for the output
  std::string prompt;
  bool ok = false;
  std::string text;  // the answer, or why there is none
  std::string worker_name;
  double seconds = 0;  // from the request to the result in hand
};

std::vector<DemoJobResult> run_demo_jobs(const DemoJobsPlan& plan);

}  // namespace aipg::app
