// OpenAiBackend and OllamaBackend over real sockets against stand-ins that speak the servers'
// formats (SSE and NDJSON in chunked transfer encoding): the text arrives in pieces as it is
// streamed, the final generation matches them, and each failure ends the run with one clear
// error. A cancelled run calls nothing. Everything runs on one io_context, bounded in time.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "stand_in_server.hpp"
#include "worker/ollama_backend.hpp"
#include "worker/openai_backend.hpp"

namespace aipg::worker {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::Reply;
using testing::Seen;
using testing::StandIn;

constexpr Duration kLimit = 5s;

// What one run called back.
struct Outcome {
  std::vector<std::string> pieces;
  std::optional<Result<Generation>> result;
  int done_calls = 0;
  std::string joined() const {
    std::string out;
    for (const auto& p : pieces) out += p;
    return out;
  }
  const Error& error() const { return result->error(); }
};

std::shared_ptr<Outcome> start(Backend& b, const grid::Run& run,
                               std::function<void(Outcome&)> on_piece = nullptr) {
  auto out = std::make_shared<Outcome>();
  b.start(
      run, "m",
      [out, on_piece](std::string_view p) {
        out->pieces.emplace_back(p);
        if (on_piece) on_piece(*out);
      },
      [out](Result<Generation> r) {
        ++out->done_calls;
        out->result = std::move(r);
      });
  return out;
}

// Runs `run` to its end, and a little after it to catch a second callback.
std::shared_ptr<Outcome> run_to_end(asio::io_context& io, Backend& b, const grid::Run& run) {
  auto out = start(b, run);
  EXPECT_TRUE(testing::run_until(
      io, [&] { return out->done_calls > 0; }, kLimit));
  testing::run_for(io, 30ms);
  EXPECT_EQ(out->done_calls, 1);
  return out;
}

grid::Run completion_run(std::string prompt = "Once upon a time") {
  grid::Run r;
  r.key.generation = 1;
  r.model = "grid-model";
  r.prompt = std::move(prompt);
  r.params.set_max_length(16);
  r.params.set_temperature(0);
  return r;
}

grid::Run chat_run() {
  grid::Run r = completion_run("user: Hi");
  r.messages.emplace_back().set_role("user");
  r.messages.back().set_content("Hi");
  return r;
}

std::string sse(const json::value& v) { return "data: " + json::serialize(v) + "\n\n"; }

// What llama-server and vLLM stream for a completion: a chunk per piece, one with the
// finish_reason, the usage chunk (no choices) when asked for, then [DONE].
std::string openai_stream(const std::vector<std::string>& pieces, bool chat,
                          const std::string& finish, std::optional<int> usage, bool done = true) {
  std::string out;
  auto choice = [&](json::value content, json::value reason) {
    json::object c{{"index", 0}, {"finish_reason", reason}};
    if (chat) {
      json::object delta;
      if (!content.is_null()) delta["content"] = content;
      c["delta"] = delta;
    } else {
      c["text"] = content.is_null() ? json::value("") : content;
    }
    json::object o{{"id", "cmpl-1"}, {"model", "m"}, {"choices", json::array{c}}};
    o["object"] = chat ? "chat.completion.chunk" : "text_completion";
    return o;
  };
  if (chat) {
    json::object first = choice(nullptr, nullptr);
    first["choices"].as_array()[0].as_object()["delta"] = json::object{{"role", "assistant"}};
    out += sse(first);
  }
  for (const auto& p : pieces) out += sse(choice(json::string(p), nullptr));
  if (!finish.empty()) out += sse(choice(nullptr, json::string(finish)));
  if (usage) {
    out += sse(json::object{
        {"id", "cmpl-1"},
        {"choices", json::array{}},
        {"usage", {{"prompt_tokens", 4}, {"completion_tokens", *usage}, {"total_tokens", 9}}}});
  }
  if (done) out += "data: [DONE]\n\n";
  return out;
}

// What Ollama streams: a line per piece, then the done line with its counts.
std::string ollama_stream(const std::vector<std::string>& pieces, bool chat,
                          const std::string& done_reason, std::optional<int> eval_count) {
  std::string out;
  auto line = [&](const std::string& piece, bool done) {
    json::object o{{"model", "m"}, {"created_at", "2026-12-03T11:00:00Z"}, {"done", done}};
    if (chat) {
      o["message"] = json::object{{"role", "assistant"}, {"content", piece}};
    } else {
      o["response"] = piece;
    }
    return o;
  };
  for (const auto& p : pieces) out += json::serialize(line(p, false)) + "\n";
  if (!done_reason.empty()) {
    json::object last = line("", true);
    last["done_reason"] = done_reason;
    last["total_duration"] = 123456789;
    if (eval_count) last["eval_count"] = *eval_count;
    out += json::serialize(last) + "\n";
  }
  return out;
}

Reply stream_reply(const std::string& text, size_t chunk_size = 7) {
  Reply r;
  r.chunks = testing::split(text, chunk_size);
  return r;
}

class OpenAi : public ::testing::Test {
 protected:
  OpenAi() : server(io) {}
  OpenAiBackend backend(HttpLimits limits = {}, std::string key = "") {
    return OpenAiBackend(io, OpenAiConfig{{server.url(), std::move(key), limits}, false});
  }
  asio::io_context io;
  StandIn server;
};

TEST_F(OpenAi, CompletionStreamsPiecesAndTakesTokensFromUsage) {
  server.set_reply([](const Seen&) {
    return stream_reply(openai_stream({"Once", " upon", " a", " time"}, false, "length", 7));
  });
  auto b = backend({}, "sk-test");
  auto out = run_to_end(io, b, completion_run());
  ASSERT_TRUE(*out->result) << out->error().message;
  const Generation& g = **out->result;
  EXPECT_EQ(g.text, "Once upon a time");
  EXPECT_EQ(out->joined(), g.text);
  EXPECT_EQ(out->pieces.size(), 4u);
  EXPECT_EQ(g.tokens, 7u);
  EXPECT_EQ(g.finish_reason, "length");
  ASSERT_EQ(server.seen().size(), 1u);
  const Seen& s = server.seen()[0];
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.target, "/v1/completions");
  EXPECT_EQ(s.authorization, "Bearer sk-test");
  const json::object body = json::parse(s.body).as_object();
  EXPECT_EQ(body.at("prompt"), "Once upon a time");
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(body.at("stream_options").at("include_usage"), true);
  EXPECT_EQ(body.at("temperature").to_number<double>(), 0.0);
  EXPECT_EQ(body.at("max_tokens"), 16);
  EXPECT_EQ(b.active(), 0u);
}

TEST_F(OpenAi, ChatWithoutUsageCountsContentChunks) {
  // An empty content chunk, as llama-server sends while it holds back partial UTF-8.
  server.set_reply([](const Seen&) {
    return stream_reply(openai_stream({"Hel", "lo", "", " wörld"}, true, "stop", std::nullopt), 5);
  });
  auto b = backend();
  auto out = run_to_end(io, b, chat_run());
  ASSERT_TRUE(*out->result) << out->error().message;
  EXPECT_EQ((*out->result)->text, "Hello wörld");
  EXPECT_EQ(out->joined(), "Hello wörld");
  EXPECT_EQ((*out->result)->tokens, 3u);
  EXPECT_EQ((*out->result)->finish_reason, "stop");
  const Seen& s = server.seen().at(0);
  EXPECT_EQ(s.target, "/v1/chat/completions");
  EXPECT_EQ(s.authorization, "");
  EXPECT_EQ(json::serialize(json::parse(s.body).at("messages")),
            R"([{"role":"user","content":"Hi"}])");
}

TEST_F(OpenAi, PiecesArriveWhileTheServerIsStillGenerating) {
  server.set_reply([](const Seen&) {
    Reply r;
    for (const char* p : {"a", "b", "c", "d"}) {
      r.chunks.push_back(openai_stream({p}, false, "", std::nullopt, false));
    }
    r.chunks.push_back(openai_stream({}, false, "stop", 4));
    r.gap = 40ms;
    return r;
  });
  auto b = backend();
  std::vector<bool> server_done_at_piece;
  auto out = start(b, completion_run(),
                   [&](Outcome&) { server_done_at_piece.push_back(server.sent_all()); });
  ASSERT_TRUE(testing::run_until(
      io, [&] { return out->done_calls > 0; }, kLimit));
  ASSERT_TRUE(*out->result) << out->error().message;
  EXPECT_EQ((*out->result)->text, "abcd");
  EXPECT_EQ(server_done_at_piece, (std::vector<bool>{false, false, false, false}));
}

TEST_F(OpenAi, CheckListsTheModels) {
  server.set_reply([](const Seen&) {
    Reply r;
    r.chunked = false;
    r.content_type = "application/json";
    r.body = R"({"object":"list","data":[{"id":"tiny.gguf","object":"model"},{"id":"b"}]})";
    return r;
  });
  auto b = backend({}, "k");
  std::optional<Result<std::vector<std::string>>> got;
  b.check([&](Result<std::vector<std::string>> r) { got = std::move(r); });
  EXPECT_FALSE(got);  // never from inside check()
  ASSERT_TRUE(testing::run_until(
      io, [&] { return got.has_value(); }, kLimit));
  ASSERT_TRUE(*got) << got->error().message;
  EXPECT_EQ(**got, (std::vector<std::string>{"tiny.gguf", "b"}));
  EXPECT_EQ(server.seen().at(0).method, "GET");
  EXPECT_EQ(server.seen().at(0).target, "/v1/models");
  EXPECT_EQ(server.seen().at(0).authorization, "Bearer k");
}

TEST_F(OpenAi, CheckReportsAStatusAndAWrongShape) {
  server.set_reply([](const Seen&) {
    Reply r;
    r.status = 401;
    r.chunked = false;
    r.body = R"({"error":{"message":"Invalid API Key","type":"authentication_error"}})";
    return r;
  });
  auto b = backend();
  std::optional<Result<std::vector<std::string>>> got;
  b.check([&](Result<std::vector<std::string>> r) { got = std::move(r); });
  ASSERT_TRUE(testing::run_until(
      io, [&] { return got.has_value(); }, kLimit));
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().code, Errc::auth_failed);
  EXPECT_NE(got->error().message.find("answered 401"), std::string::npos);
  EXPECT_NE(got->error().message.find("Invalid API Key"), std::string::npos);

  server.set_reply([](const Seen&) {
    Reply r;
    r.chunked = false;
    r.body = R"({"models":[]})";
    return r;
  });
  got.reset();
  b.check([&](Result<std::vector<std::string>> r) { got = std::move(r); });
  ASSERT_TRUE(testing::run_until(
      io, [&] { return got.has_value(); }, kLimit));
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().code, Errc::malformed);
  EXPECT_NE(got->error().message.find("/v1/models: no `data` array"), std::string::npos);
}

TEST_F(OpenAi, ConnectionRefused) {
  const uint16_t port = testing::closed_port(io);
  OpenAiBackend b(io, OpenAiConfig{{BaseUrl{"127.0.0.1", port, ""}, "", {}}, false});
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::io);
  const std::string& m = out->error().message;
  EXPECT_NE(m.find("openai backend at http://127.0.0.1:" + std::to_string(port)),
            std::string::npos);
  EXPECT_NE(m.find("cannot connect"), std::string::npos) << m;
  EXPECT_NE(m.find("refused"), std::string::npos) << m;
}

TEST_F(OpenAi, ServerErrorWithABody) {
  server.set_reply([](const Seen&) {
    Reply r;
    r.status = 500;
    r.chunked = false;
    r.content_type = "application/json";
    r.body = R"({"error":{"code":500,"message":"the model crashed","type":"server_error"}})";
    return r;
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::io);
  EXPECT_NE(out->error().message.find("answered 500"), std::string::npos);
  EXPECT_NE(out->error().message.find("the model crashed"), std::string::npos);
  EXPECT_TRUE(out->pieces.empty());
}

TEST_F(OpenAi, LongErrorBodyIsCutTo200Bytes) {
  server.set_reply([](const Seen&) {
    Reply r;
    r.status = 503;
    r.chunks = {std::string(150, 'a'), std::string(150, 'b'), std::string(150, 'c')};
    return r;
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  const std::string& m = out->error().message;
  EXPECT_NE(m.find("answered 503: " + std::string(150, 'a') + std::string(50, 'b')),
            std::string::npos);
  EXPECT_EQ(m.find(std::string(51, 'b')), std::string::npos);
}

TEST_F(OpenAi, StreamThatEndsBeforeDone) {
  server.set_reply([](const Seen&) {
    return stream_reply(openai_stream({"half", " a"}, false, "", std::nullopt, false));
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::closed);
  EXPECT_NE(out->error().message.find("the stream ended before [DONE] or a finish_reason"),
            std::string::npos)
      << out->error().message;
  EXPECT_EQ(out->joined(), "half a");
}

TEST_F(OpenAi, DisconnectMidStream) {
  server.set_reply([](const Seen&) {
    Reply r = stream_reply(openai_stream({"cut", " here"}, false, "", std::nullopt, false));
    r.cut = true;
    return r;
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::closed);
  EXPECT_NE(out->error().message.find("closed the connection before the response body ended"),
            std::string::npos)
      << out->error().message;
}

TEST_F(OpenAi, MalformedChunk) {
  server.set_reply([](const Seen&) {
    return stream_reply(R"(data: {"choices":[{"text":"ok"}]})"
                        "\n\ndata: {\"choices\":[{\"text\":\"x\"}\n\ndata: [DONE]\n\n");
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::malformed);
  EXPECT_NE(out->error().message.find("stream event 2 is not JSON"), std::string::npos)
      << out->error().message;
  EXPECT_EQ(out->joined(), "ok");
}

TEST_F(OpenAi, ErrorEventInTheStream) {
  server.set_reply([](const Seen&) {
    return stream_reply(openai_stream({"a"}, false, "", std::nullopt, false) +
                        R"(data: {"error":{"message":"out of memory","code":500}})" + "\n\n");
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::io);
  EXPECT_NE(out->error().message.find("the server reported an error: out of memory"),
            std::string::npos);
}

TEST_F(OpenAi, IdleStreamTimesOut) {
  server.set_reply([](const Seen&) {
    Reply r = stream_reply(openai_stream({"first"}, false, "", std::nullopt, false), 1000);
    r.hang = true;
    return r;
  });
  HttpLimits limits;
  limits.idle_timeout = 200ms;
  auto b = backend(limits);
  const auto t0 = std::chrono::steady_clock::now();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::timeout);
  EXPECT_NE(out->error().message.find("sent nothing for 200 ms"), std::string::npos)
      << out->error().message;
  EXPECT_EQ(out->joined(), "first");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(testing::run_until(
      io, [&] { return server.client_gone(); }, kLimit));
}

TEST_F(OpenAi, BodyOverTheCap) {
  std::vector<std::string> many(200, "word ");
  server.set_reply(
      [&](const Seen&) { return stream_reply(openai_stream(many, false, "stop", 1)); });
  HttpLimits limits;
  limits.max_body_bytes = 1000;
  auto b = backend(limits);
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::too_large);
  EXPECT_NE(out->error().message.find("response body over the limit of 1000 bytes"),
            std::string::npos);
}

// A slow stream of many pieces: the test cancels after the first.
Reply slow_stream() {
  Reply r;
  for (int i = 0; i < 100; ++i) {
    r.chunks.push_back(
        openai_stream({"w" + std::to_string(i) + " "}, false, "", std::nullopt, false));
  }
  r.chunks.push_back(openai_stream({}, false, "stop", 100));
  r.gap = 15ms;
  return r;
}

TEST_F(OpenAi, CancelClosesTheConnectionAndCallsNothing) {
  server.set_reply([](const Seen&) { return slow_stream(); });
  auto b = backend();
  const grid::Run run = completion_run();
  auto out = start(b, run);
  ASSERT_TRUE(testing::run_until(
      io, [&] { return out->pieces.size() >= 2; }, kLimit));
  b.cancel(run.key);
  const size_t pieces = out->pieces.size();
  EXPECT_EQ(b.active(), 0u);
  EXPECT_TRUE(testing::run_until(
      io, [&] { return server.client_gone(); }, kLimit));
  testing::run_for(io, 100ms);
  EXPECT_EQ(out->done_calls, 0);
  EXPECT_EQ(out->pieces.size(), pieces);
  b.cancel(run.key);  // again: nothing
}

TEST_F(OpenAi, CancelFromInsideTheTextCallback) {
  // All pieces in one HTTP chunk: the cancel lands while more are being decoded.
  server.set_reply([](const Seen&) {
    return stream_reply(openai_stream({"a", "b", "c", "d"}, false, "stop", 4), 100000);
  });
  auto b = backend();
  const grid::Run run = completion_run();
  auto out = start(b, run, [&](Outcome&) { b.cancel(run.key); });
  testing::run_for(io, 300ms);
  EXPECT_EQ(out->pieces, (std::vector<std::string>{"a"}));
  EXPECT_EQ(out->done_calls, 0);
}

TEST_F(OpenAi, DestroyingTheBackendEndsItsRunsSilently) {
  server.set_reply([](const Seen&) { return slow_stream(); });
  std::shared_ptr<Outcome> out;
  {
    auto b = backend();
    out = start(b, completion_run());
    ASSERT_TRUE(testing::run_until(
        io, [&] { return !out->pieces.empty(); }, kLimit));
  }
  EXPECT_TRUE(testing::run_until(
      io, [&] { return server.client_gone(); }, kLimit));
  EXPECT_EQ(out->done_calls, 0);
}

TEST_F(OpenAi, TwoRunsAtOnceKeepTheirOwnText) {
  server.set_reply([](const Seen& s) {
    const bool chat = s.target == "/v1/chat/completions";
    Reply r = stream_reply(openai_stream({chat ? "chat" : "plain", " text"}, chat, "stop", 2), 9);
    r.gap = 5ms;
    return r;
  });
  auto b = backend();
  grid::Run chat = chat_run();
  chat.key.generation = 2;
  auto a = start(b, completion_run());
  auto c = start(b, chat);
  EXPECT_EQ(b.active(), 2u);
  ASSERT_TRUE(testing::run_until(
      io, [&] { return a->done_calls > 0 && c->done_calls > 0; }, kLimit));
  EXPECT_EQ((*a->result)->text, "plain text");
  EXPECT_EQ((*c->result)->text, "chat text");
}

class Ollama : public ::testing::Test {
 protected:
  Ollama() : server(io) {}
  OllamaBackend backend(HttpLimits limits = {}) {
    return OllamaBackend(io, HttpBackendConfig{server.url(), "", limits});
  }
  asio::io_context io;
  StandIn server;
};

Reply ndjson_reply(const std::string& text, size_t chunk_size = 11) {
  Reply r = stream_reply(text, chunk_size);
  r.content_type = "application/x-ndjson";
  return r;
}

TEST_F(Ollama, GenerateStreamsPiecesAndTakesTokensFromEvalCount) {
  server.set_reply([](const Seen&) {
    return ndjson_reply(ollama_stream({"The", " sky", " is"}, false, "length", 3));
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_TRUE(*out->result) << out->error().message;
  EXPECT_EQ((*out->result)->text, "The sky is");
  EXPECT_EQ(out->joined(), "The sky is");
  EXPECT_EQ((*out->result)->tokens, 3u);
  EXPECT_EQ((*out->result)->finish_reason, "length");
  const Seen& s = server.seen().at(0);
  EXPECT_EQ(s.target, "/api/generate");
  const json::object body = json::parse(s.body).as_object();
  EXPECT_EQ(body.at("prompt"), "Once upon a time");
  EXPECT_EQ(body.at("raw"), true);
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(body.at("options").at("num_predict"), 16);
  EXPECT_EQ(body.at("options").at("temperature").to_number<double>(), 0.0);
}

TEST_F(Ollama, ChatStreamsMessageContent) {
  server.set_reply([](const Seen&) {
    return ndjson_reply(ollama_stream({"Hi", " there", "!"}, true, "stop", std::nullopt), 4);
  });
  auto b = backend();
  auto out = run_to_end(io, b, chat_run());
  ASSERT_TRUE(*out->result) << out->error().message;
  EXPECT_EQ((*out->result)->text, "Hi there!");
  EXPECT_EQ(out->pieces.size(), 3u);
  EXPECT_EQ((*out->result)->tokens, 3u);  // no eval_count: the pieces
  EXPECT_EQ((*out->result)->finish_reason, "stop");
  EXPECT_EQ(server.seen().at(0).target, "/api/chat");
}

TEST_F(Ollama, CheckListsTheModels) {
  server.set_reply([](const Seen&) {
    Reply r;
    r.chunked = false;
    r.content_type = "application/json";
    r.body = R"({"models":[{"name":"llama3:8b","model":"llama3:8b","size":1},{"name":"qwen"}]})";
    return r;
  });
  auto b = backend();
  std::optional<Result<std::vector<std::string>>> got;
  b.check([&](Result<std::vector<std::string>> r) { got = std::move(r); });
  ASSERT_TRUE(testing::run_until(
      io, [&] { return got.has_value(); }, kLimit));
  ASSERT_TRUE(*got) << got->error().message;
  EXPECT_EQ(**got, (std::vector<std::string>{"llama3:8b", "qwen"}));
  EXPECT_EQ(server.seen().at(0).target, "/api/tags");
}

TEST_F(Ollama, ErrorLineFailsTheRunWithItsMessage) {
  server.set_reply([](const Seen&) {
    return ndjson_reply(ollama_stream({"a"}, false, "", std::nullopt) +
                        R"({"error":"an error was encountered while running the model"})"
                        "\n");
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::io);
  EXPECT_NE(out->error().message.find(
                "the server reported an error: an error was encountered while running the model"),
            std::string::npos)
      << out->error().message;
}

TEST_F(Ollama, UnknownModelIsA404WithItsMessage) {
  server.set_reply([](const Seen&) {
    Reply r;
    r.status = 404;
    r.chunked = false;
    r.content_type = "application/json";
    r.body = R"({"error":"model \"nope\" not found, try pulling it first"})";
    return r;
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::not_found);
  EXPECT_NE(out->error().message.find("answered 404"), std::string::npos);
  EXPECT_NE(out->error().message.find("not found, try pulling it first"), std::string::npos);
}

TEST_F(Ollama, StreamThatEndsBeforeDone) {
  server.set_reply([](const Seen&) {
    return ndjson_reply(ollama_stream({"no", " end"}, false, "", std::nullopt));
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::closed);
  EXPECT_NE(out->error().message.find("the stream ended before a line with done: true"),
            std::string::npos)
      << out->error().message;
}

TEST_F(Ollama, MalformedLine) {
  server.set_reply([](const Seen&) {
    return ndjson_reply(ollama_stream({"x"}, false, "", std::nullopt) + "{\"response\": oops}\n");
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::malformed);
  EXPECT_NE(out->error().message.find("ndjson: line 2 is not JSON"), std::string::npos)
      << out->error().message;
}

TEST_F(Ollama, DisconnectMidStreamAndIdle) {
  server.set_reply([](const Seen&) {
    Reply r = ndjson_reply(ollama_stream({"a", "b"}, false, "", std::nullopt));
    r.cut = true;
    return r;
  });
  auto b = backend();
  auto out = run_to_end(io, b, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::closed);

  server.set_reply([](const Seen&) {
    Reply r = ndjson_reply(ollama_stream({"a"}, false, "", std::nullopt));
    r.hang = true;
    return r;
  });
  HttpLimits limits;
  limits.idle_timeout = 150ms;
  auto slow = backend(limits);
  out = run_to_end(io, slow, completion_run());
  ASSERT_FALSE(*out->result);
  EXPECT_EQ(out->error().code, Errc::timeout);
}

}  // namespace
}  // namespace aipg::worker
