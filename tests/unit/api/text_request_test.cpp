#include "api/text_request.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace aipg::api {
namespace {

namespace json = boost::json;

ParsedRequest horde(std::string_view body, RequestLimits limits = {}) {
  json::object o;
  auto e = parse_json_object(body, o);
  EXPECT_FALSE(e.has_value()) << e->message;
  return parse_horde_request(o, limits);
}

std::string horde_error(std::string_view body, RequestLimits limits = {}) {
  ParsedRequest p = horde(body, limits);
  EXPECT_TRUE(p.error.has_value()) << body;
  return p.error ? p.error->rc + ": " + p.error->message : "";
}

TEST(HordeRequest, TakesTheFieldsAndTheAiHordeDefaults) {
  ParsedRequest p = horde(R"({"prompt": "Hi", "models": ["a/b", "c"],
      "params": {"n": 3, "temperature": 0.7, "top_p": 0.9, "top_k": 40, "rep_pen": 1.1,
                 "stop_sequence": ["\n\n"], "seed": -5}})");
  ASSERT_FALSE(p.error.has_value()) << p.error->message;
  const TextRequest& r = p.request;
  EXPECT_EQ(r.prompt, "Hi");
  EXPECT_EQ(r.models, (std::vector<std::string>{"a/b", "c"}));
  EXPECT_EQ(r.n, 3u);
  EXPECT_EQ(r.params.max_length(), 80u);
  EXPECT_EQ(r.params.max_context_length(), 2048u);
  EXPECT_FLOAT_EQ(r.params.temperature(), 0.7f);
  EXPECT_FLOAT_EQ(r.params.top_p(), 0.9f);
  EXPECT_EQ(r.params.top_k(), 40u);
  EXPECT_FLOAT_EQ(r.params.rep_pen(), 1.1f);
  ASSERT_EQ(r.params.stop_sequence_size(), 1);
  EXPECT_EQ(r.params.stop_sequence(0), "\n\n");
  EXPECT_EQ(r.params.seed(), -5);
  EXPECT_FALSE(r.dry_run);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(HordeRequest, ErrorsNameTheFieldAndTheLimit) {
  EXPECT_EQ(horde_error(R"({"models": []})"), "MissingPrompt: prompt is missing or empty");
  EXPECT_EQ(horde_error(R"({"prompt": ""})"), "MissingPrompt: prompt is missing or empty");
  EXPECT_EQ(horde_error(R"({"prompt": 1})"), "BadRequest: prompt must be a string, got an integer");
  EXPECT_EQ(horde_error(R"({"prompt": "x", "params": {"n": 0}})"),
            "BadRequest: params.n is 0, must be 1..20");
  EXPECT_EQ(horde_error(R"({"prompt": "x", "params": {"n": 2.5}})"),
            "BadRequest: params.n must be an integer, got a number");
  EXPECT_EQ(horde_error(R"({"prompt": "x", "params": {"max_length": 5000}})"),
            "BadRequest: params.max_length is 5000, must be 1..4096");
  EXPECT_EQ(horde_error(R"({"prompt": "x", "params": {"top_p": 2}})"),
            "BadRequest: params.top_p is 2, must be 0..1");
  EXPECT_EQ(horde_error(R"({"prompt": "x", "params": {"stop_sequence": [1]}})"),
            "BadRequest: params.stop_sequence[0] must be a string, got an integer");
  EXPECT_EQ(horde_error(R"({"prompt": "x", "params": "no"})"),
            "BadRequest: params must be an object, got a string");
  RequestLimits small;
  small.max_prompt_bytes = 3;
  EXPECT_EQ(horde_error(R"({"prompt": "four"})", small), "BadRequest: prompt is 4 bytes, limit 3");
}

TEST(HordeRequest, FieldsNotHonouredAreWarnedAbout) {
  ParsedRequest p =
      horde(R"({"prompt": "x", "workers": ["w"], "webhook": "http://x", "dry_run": true})");
  ASSERT_FALSE(p.error.has_value());
  EXPECT_TRUE(p.request.dry_run);
  EXPECT_EQ(p.request.warnings.size(), 2u);
}

TEST(JsonBody, MalformedAndNonObjectBodiesAreRefused) {
  json::object o;
  auto e = parse_json_object("{\"a\":", o);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->status, 400u);
  EXPECT_NE(e->message.find("not valid JSON"), std::string::npos);
  e = parse_json_object("[]", o);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "body must be a JSON object, got an array");
}

ParsedOpenAi openai(std::string_view body, bool chat) {
  json::object o;
  EXPECT_FALSE(parse_json_object(body, o).has_value());
  return parse_openai_request(o, chat, {});
}

TEST(OpenAiRequest, ChatMessagesBecomeOnePrompt) {
  ParsedOpenAi p = openai(R"({"model": "m", "stream": true, "max_tokens": 30, "stop": "END",
      "messages": [{"role": "system", "content": "Be kind."},
                   {"role": "user", "content": [{"type": "text", "text": "Hi "},
                                                {"type": "text", "text": "there"}]}]})",
                          true);
  ASSERT_FALSE(p.error.has_value()) << p.error->message;
  EXPECT_TRUE(p.request.stream);
  EXPECT_EQ(p.request.text.models, std::vector<std::string>{"m"});
  EXPECT_EQ(p.request.text.prompt, "system: Be kind.\nuser: Hi there\nassistant:");
  EXPECT_EQ(p.request.text.params.max_length(), 30u);
  ASSERT_EQ(p.request.text.params.stop_sequence_size(), 1);
  EXPECT_EQ(p.request.text.params.stop_sequence(0), "END");
}

TEST(OpenAiRequest, CompletionDefaultsAndErrors) {
  ParsedOpenAi p = openai(R"({"model": "m", "prompt": ["only one"]})", false);
  ASSERT_FALSE(p.error.has_value());
  EXPECT_EQ(p.request.text.prompt, "only one");
  EXPECT_EQ(p.request.text.params.max_length(), 16u);  // OpenAI's default for completions
  EXPECT_EQ(openai(R"({"prompt": "x"})", false).error->message, "model is missing or empty");
  EXPECT_EQ(openai(R"({"model": "m", "messages": []})", true).error->rc, "MissingPrompt");
  EXPECT_EQ(openai(R"({"model": "m", "messages": [{"content": "x"}]})", true).error->message,
            "messages[0].role is missing");
  EXPECT_EQ(openai(R"({"model": "m", "prompt": "x", "n": 99})", false).error->message,
            "n is 99, must be 1..20");
}

}  // namespace
}  // namespace aipg::api
