// HttpBackend — what the Ollama and OpenAI-compatible backends share: one streamed HTTP call per
// run, kept by run key so cancel() can close it; a per-format StreamDecoder turns the body into
// text pieces and the final Generation; check() is one GET whose JSON lists the models. Every
// failure (connect, HTTP status, stream format, timeout, cap) reaches the run's DoneFn once, as
// an error prefixed with the backend's kind; after cancel() nothing is called.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <optional>

#include "worker/backend.hpp"
#include "worker/http_client.hpp"

namespace aipg::worker {

struct HttpBackendConfig {
  BaseUrl base;
  std::string key;  // sent as Authorization: Bearer, when set
  HttpLimits limits;
};

// Decodes one run's response body; each backend has its own.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // One piece of the body, as it arrived; text output goes to `emit` as soon as it is known.
  virtual Status feed(std::string_view piece, const TextFn& emit) = 0;
  // The body has ended: the generation, or why the stream was incomplete.
  virtual Result<Generation> finish(const TextFn& emit) = 0;
};

// What a decoder collects of a run's output: the text, piece by piece (each emitted as it comes),
// and how many pieces, the token count when the server tells none.
class GenerationText {
 public:
  void add(const boost::json::string* piece, const TextFn& emit);
  // `tokens`: the server's count, if it sent one; `reason`: its finish reason ("length" stays,
  // anything else ended the text as "stop" does: the grid knows those two).
  Generation finish(std::optional<uint32_t> tokens, std::string_view reason);

 private:
  std::string text_;
  uint32_t pieces_ = 0;
};

class HttpBackend : public Backend {
 public:
  ~HttpBackend() override;
  void cancel(const grid::RunKey& key) override;
  size_t active() const { return runs_.size(); }

 protected:
  HttpBackend(boost::asio::io_context& io, HttpBackendConfig config);

  // POSTs `body` to `path` and streams the answer through `decoder`.
  void run_stream(const grid::RunKey& key, std::string path, std::string body,
                  std::unique_ptr<StreamDecoder> decoder, TextFn on_text, DoneFn done);
  // GETs `path`, an object whose `list` is an array of objects, and answers each one's string
  // `name` (the model names: Ollama's models[].name, OpenAI's data[].id).
  void get_names(std::string path, std::string list, std::string name, HealthFn done);

  Error prefixed(Error e) const;
  const HttpBackendConfig& config() const { return config_; }

 private:
  struct ActiveRun {
    uint64_t id = 0;
    std::shared_ptr<bool> cancelled;
    std::shared_ptr<HttpCall> call;
  };

  boost::asio::io_context& io_;
  HttpBackendConfig config_;
  uint64_t next_id_ = 1;
  std::map<grid::RunKey, ActiveRun> runs_;
  std::map<uint64_t, std::shared_ptr<HttpCall>> checks_;
};

// Small readers of optional JSON fields: absent or of another type → nullptr / nullopt.
const boost::json::string* json_string(const boost::json::object& o, std::string_view key);
std::optional<int64_t> json_int(const boost::json::object& o, std::string_view key);
// A count a server reports (tokens): non-negative, capped at UINT32_MAX.
std::optional<uint32_t> json_count(const boost::json::object& o, std::string_view key);
const boost::json::object* json_object(const boost::json::object& o, std::string_view key);
// A float from the job as JSON: rounded to 4 decimals, so 0.7f goes out as 0.7.
double json_float(float v);

}  // namespace aipg::worker
