#include "app/demo_jobs.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

namespace aipg::app {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kPrompts[] = {
    "Write one sentence about the sea.",
    "Name three colours of a sunset.",
    "Explain in one sentence what a GPU does.",
    "Give a short tip for learning to cook.",
    "Describe a mountain village in one sentence.",
};
constexpr int kMaxTokens = 48;
constexpr auto kPollEvery = 20ms;

const char* prompt_for(int i) { return kPrompts[i % std::size(kPrompts)]; }

double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

Duration left(const DemoJobsPlan& p) {
  const auto d = p.deadline - SteadyClock::now();
  return d > SteadyClock::duration::zero() ? Duration(d) : Duration(1ms);
}

// Follows object keys; an array stands for its first element (the demo asks for one choice,
// one generation).
const json::value* path(const json::value& v, std::initializer_list<const char*> keys) {
  const json::value* at = &v;
  for (const char* k : keys) {
    if (at->is_array()) {
      const auto& a = at->as_array();
      at = a.empty() ? nullptr : &a[0];
    } else if (at->is_object()) {
      at = at->as_object().if_contains(k);
    } else {
      at = nullptr;
    }
    if (!at) return nullptr;
  }
  return at;
}

std::string text_at(const json::value& v, std::initializer_list<const char*> keys) {
  const json::value* s = path(v, keys);
  return s && s->is_string() ? std::string(s->as_string()) : std::string();
}

bool true_at(const json::value& v, const char* key) {
  const json::value* b = path(v, {key});
  return b && b->is_bool() && b->as_bool();
}

struct Pending {
  std::string id;
  SteadyClock::time_point sent;
  size_t result;  // index into the results
};

// One status poll on node B; true when the job is finished (the result filled in).
bool poll(const DemoJobsPlan& p, const Pending& job, DemoJobResult& r) {
  auto reply = http_call(p.b, "GET", "/api/v2/generate/text/status/" + job.id, "", 5s);
  // 404: the announce has not reached node B yet.
  if (!reply || reply->status == 404) return false;
  if (reply->status != 200) {
    r.text = "status HTTP " + std::to_string(reply->status) + ": " + reply->body.substr(0, 200);
    return true;
  }
  boost::system::error_code ec;
  const json::value st = json::parse(reply->body, ec);
  if (ec) {
    r.text = "status: the answer is not JSON: " + reply->body.substr(0, 200);
    return true;
  }
  if (true_at(st, "faulted")) {
    r.text = "faulted: " + text_at(st, {"message"});
    return true;
  }
  if (!true_at(st, "done")) return false;
  r.seconds = seconds_since(job.sent);
  r.ok = true;
  r.text = text_at(st, {"generations", "0", "text"});
  r.worker_name = text_at(st, {"generations", "0", "worker_name"});
  return true;
}

void horde_jobs(const DemoJobsPlan& p, int count, std::vector<DemoJobResult>& out) {
  std::vector<Pending> pending;
  for (int i = 0; i < count; ++i) {
    DemoJobResult r;
    r.route = "AI Horde: submitted on node A, status polled on node B";
    r.prompt = prompt_for(i);
    json::object body;
    body["prompt"] = r.prompt;
    body["models"] = json::array{json::value(p.model)};
    body["params"] = json::object{{"max_length", kMaxTokens}, {"max_context_length", 512}};
    const auto sent = SteadyClock::now();
    auto v = http_json(p.a, "POST", "/api/v2/generate/text/async", json::serialize(body), 10s);
    const std::string id = v ? text_at(*v, {"id"}) : "";
    if (id.empty()) {
      r.text = v ? "no id in " + json::serialize(*v) : v.error().message;
    } else {
      pending.push_back({id, sent, out.size()});
    }
    out.push_back(std::move(r));
  }
  while (!pending.empty()) {
    if (p.interrupted() || SteadyClock::now() >= p.deadline) {
      for (const Pending& j : pending) {
        out[j.result].text = p.interrupted() ? "interrupted" : "no result before the time limit";
      }
      return;
    }
    std::erase_if(pending, [&](const Pending& j) { return poll(p, j, out[j.result]); });
    if (!pending.empty()) std::this_thread::sleep_for(kPollEvery);
  }
}

DemoJobResult chat_job(const DemoJobsPlan& p, int i) {
  DemoJobResult r;
  r.route = "OpenAI chat completion on node B (blocking), worker looked up on node A";
  r.prompt = prompt_for(i);
  json::array messages{json::object{{"role", "system"}, {"content", "Answer briefly."}},
                       json::object{{"role", "user"}, {"content", r.prompt}}};
  json::object body;
  body["model"] = p.model;
  body["messages"] = std::move(messages);
  body["max_tokens"] = kMaxTokens;
  const auto sent = SteadyClock::now();
  auto v =
      http_json(p.b, "POST", "/v1/chat/completions", json::serialize(body), left(p), p.interrupted);
  if (!v) {
    r.text = v.error().message;
    return r;
  }
  r.seconds = seconds_since(sent);
  r.text = text_at(*v, {"choices", "0", "message", "content"});
  r.ok = true;
  // The OpenAI id is chatcmpl-<the grid job id in hex>; the AI Horde status route takes that
  // hex as a job id and names the worker.
  std::string id = text_at(*v, {"id"});
  if (const size_t dash = id.rfind('-'); dash != std::string::npos) id = id.substr(dash + 1);
  if (auto st = http_json(p.a, "GET", "/api/v2/generate/text/status/" + id, "", 5s)) {
    r.worker_name = text_at(*st, {"generations", "0", "worker_name"});
  }
  return r;
}

}  // namespace

std::vector<DemoJobResult> run_demo_jobs(const DemoJobsPlan& p) {
  std::vector<DemoJobResult> out;
  const int horde = p.jobs >= 2 ? p.jobs - 1 : p.jobs;
  horde_jobs(p, horde, out);
  if (horde < p.jobs) out.push_back(chat_job(p, horde));
  return out;
}

}  // namespace aipg::app
