// OpenAiBackend against the real llama-server of scripts/setup-llama (llama.cpp with a tiny
// model of random weights): it lists its model, streams completions and chats whose pieces join
// to the final text, repeats itself exactly at temperature 0, stops at max_length with
// "length", and a cancelled run calls nothing while the server stays usable.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <optional>

#include "stand_in_server.hpp"
#include "worker/openai_backend.hpp"

extern char** environ;

namespace aipg::worker {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const std::string kDir = AIPG_LLAMA_DIR;

class LlamaServer {
 public:
  // Starts llama-server on a free port of 127.0.0.1; its output goes to a file in the build tree.
  bool start(asio::io_context& io) {
    port_ = testing::closed_port(io);
    const std::string server = kDir + "/llama-server", model = kDir + "/tiny.gguf",
                      port = std::to_string(port_), log = "worker_llama_server.log";
    std::vector<std::string> args = {server,   "-m", model, "--host", "127.0.0.1",
                                     "--port", port, "-c",  "512",    "--parallel",
                                     "2",      "-t", "1"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawn(&pid_, server.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }
  ~LlamaServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

struct Done {
  std::vector<std::string> pieces;
  std::optional<Result<Generation>> result;
  int calls = 0;
  std::string joined() const {
    std::string s;
    for (const auto& p : pieces) s += p;
    return s;
  }
};

class Llama : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kDir + "/llama-server") ||
        !std::filesystem::exists(kDir + "/tiny.gguf")) {
      GTEST_SKIP() << "no " << kDir << "/llama-server or tiny.gguf: run scripts/setup";
    }
    ASSERT_TRUE(server_.start(io));
    backend_.emplace(io, OpenAiConfig{{BaseUrl{"127.0.0.1", server_.port(), ""}, "", {}}, false});
    // Healthy once /health answers 200 (503 while the model loads, refused before that).
    bool healthy = false;
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (!healthy && std::chrono::steady_clock::now() < end) {
      std::optional<Status> got;
      auto call = HttpCall::start(
          io, BaseUrl{"127.0.0.1", server_.port(), ""}, HttpRequest{"GET", "/health", "", ""}, {},
          [](std::string_view) { return ok(); }, [&](Status s) { got = std::move(s); });
      testing::run_until(
          io, [&] { return got.has_value(); }, 5s);
      healthy = got && *got;
      if (!healthy) testing::run_for(io, 100ms);
    }
    ASSERT_TRUE(healthy) << "llama-server did not become healthy; see worker_llama_server.log";
  }

  std::shared_ptr<Done> start(const grid::Run& run, std::function<void(Done&)> on_piece = nullptr) {
    auto d = std::make_shared<Done>();
    backend_->start(
        run, "tiny",
        [d, on_piece](std::string_view p) {
          d->pieces.emplace_back(p);
          if (on_piece) on_piece(*d);
        },
        [d](Result<Generation> r) {
          ++d->calls;
          d->result = std::move(r);
        });
    return d;
  }

  Generation generate(const grid::Run& run) {
    auto d = start(run);
    EXPECT_TRUE(testing::run_until(
        io, [&] { return d->calls > 0; }, 30s));
    testing::run_for(io, 20ms);
    EXPECT_EQ(d->calls, 1);
    if (!d->result) return {};
    EXPECT_TRUE(*d->result) << d->result->error().message;
    if (!*d->result) return {};
    EXPECT_EQ(d->joined(), (*d->result)->text);
    return **d->result;
  }

  static grid::Run run_of(uint32_t max_length, bool chat) {
    grid::Run r;
    r.key.generation = 1;
    r.model = "tiny";
    r.prompt = "Once upon a time";
    r.params.set_max_length(max_length);
    r.params.set_temperature(0);
    if (chat) {
      r.messages.emplace_back().set_role("user");
      r.messages.back().set_content("Tell me a story.");
    }
    return r;
  }

  asio::io_context io;
  LlamaServer server_;
  std::optional<OpenAiBackend> backend_;
};

TEST_F(Llama, CheckListsTheModel) {
  std::optional<Result<std::vector<std::string>>> got;
  backend_->check([&](Result<std::vector<std::string>> r) { got = std::move(r); });
  ASSERT_TRUE(testing::run_until(
      io, [&] { return got.has_value(); }, 10s));
  ASSERT_TRUE(*got) << got->error().message;
  ASSERT_FALSE((*got)->empty());
  EXPECT_NE((*got)->at(0).find("tiny.gguf"), std::string::npos) << (*got)->at(0);
}

TEST_F(Llama, CompletionAndChatRepeatThemselvesAtTemperatureZero) {
  for (const bool chat : {false, true}) {
    SCOPED_TRACE(chat ? "chat" : "completion");
    const Generation a = generate(run_of(24, chat));
    const Generation b = generate(run_of(24, chat));
    EXPECT_FALSE(a.text.empty());
    EXPECT_EQ(a.text, b.text);
    EXPECT_GT(a.tokens, 0u);
    EXPECT_LE(a.tokens, 24u);
    EXPECT_EQ(a.tokens, b.tokens);
  }
}

TEST_F(Llama, SmallMaxLengthEndsWithLength) {
  for (const bool chat : {false, true}) {
    const Generation g = generate(run_of(4, chat));
    EXPECT_EQ(g.finish_reason, "length") << (chat ? "chat" : "completion");
    EXPECT_EQ(g.tokens, 4u);
  }
}

TEST_F(Llama, CancelMidRunCallsNothingAndTheServerGoesOn) {
  const grid::Run run = run_of(400, false);
  auto d = start(run, [&](Done&) { backend_->cancel(run.key); });
  ASSERT_TRUE(testing::run_until(
      io, [&] { return !d->pieces.empty(); }, 30s));
  testing::run_for(io, 300ms);
  EXPECT_EQ(d->calls, 0);
  EXPECT_EQ(d->pieces.size(), 1u);
  EXPECT_EQ(backend_->active(), 0u);
  EXPECT_FALSE(generate(run_of(8, false)).text.empty());
}

}  // namespace
}  // namespace aipg::worker
