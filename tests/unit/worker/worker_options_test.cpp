// `aipg worker`'s backend flag and config file: what is accepted, what wins, and the errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/worker_backend.hpp"
#include "app/worker_config.hpp"

namespace aipg::app {
namespace {

TEST(BackendSpec, AcceptsTheThreeKinds) {
  auto s = parse_backend_spec("test");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, "test");
  s = parse_backend_spec("ollama=http://127.0.0.1:11434");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, "ollama");
  EXPECT_EQ(s->url.port, 11434);
  s = parse_backend_spec("openai=http://gpu:8000/vllm");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, "openai");
  EXPECT_EQ(s->url.text(), "http://gpu:8000/vllm");
}

TEST(BackendSpec, ErrorsNameTheFlag) {
  auto expect = [](const std::string& text, std::string_view part) {
    auto s = parse_backend_spec(text);
    ASSERT_FALSE(s) << text;
    EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.rfind("--backend", 0), 0u) << s.error().message;
  };
  expect("vllm=http://h:8000", "expected test, ollama=URL or openai=URL");
  expect("ollama", "needs a URL, e.g. ollama=http://127.0.0.1:11434");
  expect("openai=", "needs a URL");
  expect("openai=https://api.openai.com", "https is not supported");
  expect("openai=http://h:99999", "port '99999'");
  expect("test=http://h", "`test` takes no URL");
}

class ConfigFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("aipg_worker_config_" + std::to_string(getpid()) + ".toml");
    std::ofstream(path_) << text;
    return path_.string();
  }
  ~ConfigFile() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(ConfigFile, ReadsEverySetting) {
  WorkerOptions o;
  o.config = write(R"(
backend = "ollama=http://127.0.0.1:11434"
backend_key = "secret"
name = "gpu-1"
slots = 4
max_length = 512
max_context_length = 8192
listen = ["/ip4/127.0.0.1/tcp/0"]
bootstrap = ["/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWFoo"]
key = "worker.key"

[[models]]
name = "llama3"
backend_name = "llama3:8b"
max_length = 256

[[models]]
name = "qwen"
)");
  ASSERT_TRUE(apply_worker_config(o)) << apply_worker_config(o).error().message;
  EXPECT_EQ(o.backend, "ollama=http://127.0.0.1:11434");
  EXPECT_EQ(o.backend_key, "secret");
  EXPECT_EQ(o.name, "gpu-1");
  EXPECT_EQ(o.slots, 4u);
  EXPECT_EQ(o.max_length, 512u);
  EXPECT_EQ(o.max_context_length, 8192u);
  EXPECT_EQ(o.host.listen, (std::vector<std::string>{"/ip4/127.0.0.1/tcp/0"}));
  EXPECT_EQ(o.host.bootstrap.size(), 1u);
  EXPECT_EQ(o.host.key_file, "worker.key");
  ASSERT_EQ(o.model_table.size(), 2u);
  EXPECT_EQ(o.model_table[0].name, "llama3");
  EXPECT_EQ(o.model_table[0].backend_name, "llama3:8b");
  EXPECT_EQ(o.model_table[0].max_length, 256u);
  EXPECT_EQ(o.model_table[0].max_context_length, 0u);  // the worker's default applies
  EXPECT_EQ(o.model_table[1].name, "qwen");
}

TEST_F(ConfigFile, FlagsGivenWin) {
  WorkerOptions o;
  o.config = write("backend = \"openai=http://h:8080\"\nslots = 4\nname = \"from-file\"\n");
  o.slots = 2;
  o.backend = "test";
  o.given = {"slots", "backend"};
  ASSERT_TRUE(apply_worker_config(o));
  EXPECT_EQ(o.slots, 2u);
  EXPECT_EQ(o.backend, "test");
  EXPECT_EQ(o.name, "from-file");
}

TEST_F(ConfigFile, ErrorsNameTheKey) {
  auto error_of = [&](const std::string& text) {
    WorkerOptions o;
    o.config = write(text);
    auto s = apply_worker_config(o);
    EXPECT_FALSE(s) << text;
    return s ? std::string() : s.error().message;
  };
  EXPECT_NE(error_of("slot = 2\n").find("unknown key `slot` (known: backend, "), std::string::npos);
  EXPECT_NE(error_of("slots = 0\n").find("`slots` must be an integer from 1 to 256"),
            std::string::npos);
  EXPECT_NE(error_of("slots = \"2\"\n").find("`slots` must be an integer"), std::string::npos);
  EXPECT_NE(error_of("listen = \"/ip4/1.2.3.4/tcp/1\"\n").find("`listen` must be an array"),
            std::string::npos);
  EXPECT_NE(error_of("[[models]]\nbackend_name = \"x\"\n")
                .find("`models[0].name` is needed and must not be empty"),
            std::string::npos);
  EXPECT_NE(error_of("[[models]]\nname = \"a\"\nmax_lenght = 3\n")
                .find("unknown key `models[0].max_lenght`"),
            std::string::npos);
  EXPECT_NE(error_of("[[models]]\nname = \"a\"\nmax_length = 0\n")
                .find("`models[0].max_length` must be an integer from 1 to"),
            std::string::npos);
  const std::string syntax = error_of("slots = \n");
  EXPECT_NE(syntax.find(path_.string() + ":1:"), std::string::npos) << syntax;
}

TEST(ConfigFileMissing, SaysSo) {
  WorkerOptions o;
  o.config = "/nonexistent/aipg-worker.toml";
  auto s = apply_worker_config(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("--config /nonexistent/aipg-worker.toml"), std::string::npos);
}

}  // namespace
}  // namespace aipg::app
