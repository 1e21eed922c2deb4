// What the HTTP backends send: base URLs (and their errors), and the parameter mapping of
// docs/backends.md for OpenAI-compatible servers and Ollama.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "worker/http_client.hpp"
#include "worker/ollama_backend.hpp"
#include "worker/openai_backend.hpp"

namespace aipg::worker {
namespace {

namespace json = boost::json;

TEST(BaseUrl, Parses) {
  auto u = parse_base_url("http://127.0.0.1:8080");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->prefix, "");
  u = parse_base_url("HTTP://gpu-box/ollama/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "gpu-box");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->prefix, "/ollama");
  EXPECT_EQ(u->text(), "http://gpu-box:80/ollama");
  u = parse_base_url("http://[::1]:11434/x/y");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 11434);
  EXPECT_EQ(u->text(), "http://[::1]:11434/x/y");
}

TEST(BaseUrl, ErrorsSayWhatIsWrong) {
  auto expect = [](std::string_view url, Errc code, std::string_view part) {
    auto u = parse_base_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_EQ(u.error().code, code) << url;
    EXPECT_NE(u.error().message.find(part), std::string::npos) << u.error().message;
  };
  expect("https://api.example.com", Errc::unsupported, "https is not supported");
  expect("127.0.0.1:8080", Errc::invalid_argument, "expected http://host:port[/prefix]");
  expect("ftp://x", Errc::invalid_argument, "scheme 'ftp' is not http");
  expect("http://:8080", Errc::invalid_argument, "no host");
  expect("http://h:0", Errc::invalid_argument, "port '0' is not a number from 1 to 65535");
  expect("http://h:65536", Errc::invalid_argument, "port '65536'");
  expect("http://h:80x", Errc::invalid_argument, "port '80x'");
  expect("http://h:", Errc::invalid_argument, "empty port");
  expect("http://h/v1?x=1", Errc::invalid_argument, "query or fragment");
  expect("http://user:pw@h", Errc::invalid_argument, "user information");
  expect("http://[::1", Errc::invalid_argument, "'[' without ']'");
}

grid::Run sample_run() {
  grid::Run r;
  r.model = "grid/model";
  r.prompt = "Once upon a time";
  auto& p = r.params;
  p.set_max_length(24);
  p.set_max_context_length(2048);
  p.set_temperature(0);
  p.set_top_p(0.9f);
  p.set_top_k(40);
  p.set_rep_pen(1.1f);
  p.add_stop_sequence("\nUser:");
  p.set_seed(42);
  return r;
}

TEST(OpenAiBody, CompletionMapsEveryParameter) {
  const json::object o = openai_request_body(sample_run(), "tiny", false);
  EXPECT_EQ(json::serialize(o),
            R"({"model":"tiny","prompt":"Once upon a time","stream":true,)"
            R"("stream_options":{"include_usage":true},"max_tokens":24,"temperature":0E0,)"
            R"("top_p":9E-1,"stop":["\nUser:"],"seed":42,"top_k":40,)"
            R"("repetition_penalty":1.1E0,"repeat_penalty":1.1E0})");
}

TEST(OpenAiBody, StrictSendsOnlyOpenAiFieldsAndChatSendsMessages) {
  grid::Run r = sample_run();
  for (int i = 0; i < 5; ++i) r.params.add_stop_sequence("s" + std::to_string(i));
  r.messages.emplace_back().set_role("user");
  r.messages.back().set_content("Hi");
  const json::object o = openai_request_body(r, "gpt", true);
  EXPECT_FALSE(o.contains("prompt"));
  EXPECT_EQ(json::serialize(o.at("messages")), R"([{"role":"user","content":"Hi"}])");
  EXPECT_FALSE(o.contains("top_k"));
  EXPECT_FALSE(o.contains("repetition_penalty"));
  EXPECT_FALSE(o.contains("repeat_penalty"));
  EXPECT_EQ(o.at("stop").as_array().size(), 4u);
  EXPECT_EQ(o.at("temperature").as_double(), 0.0);
}

TEST(OpenAiBody, UnsetSamplersAreLeftToTheServer) {
  grid::Run r;
  r.prompt = "x";
  r.params.set_temperature(0.7f);
  const json::object o = openai_request_body(r, "m", false);
  EXPECT_EQ(o.at("temperature").as_double(), 0.7);  // not 0.699999988
  for (const char* k : {"max_tokens", "top_p", "top_k", "stop", "seed", "repeat_penalty"}) {
    EXPECT_FALSE(o.contains(k)) << k;
  }
}

TEST(OllamaBody, GenerateMapsEveryParameter) {
  const json::object o = ollama_request_body(sample_run(), "llama3");
  EXPECT_EQ(json::serialize(o),
            R"({"model":"llama3","prompt":"Once upon a time","raw":true,"stream":true,)"
            R"("options":{"num_predict":24,"num_ctx":2048,"temperature":0E0,"top_p":9E-1,)"
            R"("top_k":40,"repeat_penalty":1.1E0,"seed":42,"stop":["\nUser:"]}})");
}

TEST(OllamaBody, ChatSendsMessagesWithoutRaw) {
  grid::Run r = sample_run();
  r.messages.emplace_back().set_role("system");
  r.messages.back().set_content("Be brief.");
  r.messages.emplace_back().set_role("user");
  r.messages.back().set_content("Hi");
  const json::object o = ollama_request_body(r, "llama3");
  EXPECT_FALSE(o.contains("prompt"));
  EXPECT_FALSE(o.contains("raw"));
  EXPECT_EQ(json::serialize(o.at("messages")),
            R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}])");
  EXPECT_EQ(o.at("options").at("temperature").as_double(), 0.0);
}

}  // namespace
}  // namespace aipg::worker
