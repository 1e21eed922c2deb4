// A text-generation request as both HTTP APIs ask for it, checked field by field: every error
// names the field and the limit, with the AI Horde's `rc` code (../docs/http-api.md).
// Pure: JSON in, a request or an error out.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/grid/types.hpp"

namespace aipg::api {

struct ApiError {
  unsigned status = 400;
  std::string rc = "BadRequest";  // the AI Horde's code; OpenAI routes map it to their own shape
  std::string message;
};

struct RequestLimits {
  size_t max_prompt_bytes = 64 << 10;  // grid::CheckLimits::max_prompt_bytes at most
  uint32_t max_n = 20;
  uint32_t min_length = 1, max_length = 4096;
  uint32_t min_context_length = 16, max_context_length = 32768;
  size_t max_models = 64;
  size_t max_stop_sequences = 16;
  size_t max_stop_bytes = 256;
};

// One message of a chat.
struct ChatMessage {
  std::string role;
  std::string content;
};

struct TextRequest {
  std::string prompt;
  std::vector<ChatMessage> messages;  // a chat's messages (then `prompt` is chat_prompt of them)
  std::vector<std::string> models;    // empty: any model
  uint32_t n = 1;
  grid::pb::TextParams params;
  bool dry_run = false;
  std::vector<std::string> warnings;  // fields accepted but not honoured here
};

struct ParsedRequest {
  TextRequest request;
  std::optional<ApiError> error;
};

// Parses a JSON body; nullopt-free: either `error` is set or `request` is complete.
std::optional<ApiError> parse_json_object(std::string_view body, boost::json::object& out);

// POST /api/v2/generate/text/async (GenerationInputKobold): prompt, params{n, max_length,
// max_context_length, temperature, top_p, top_k, rep_pen, stop_sequence, seed}, models[],
// dry_run; the AI Horde's defaults (max_length 80, max_context_length 2048).
ParsedRequest parse_horde_request(const boost::json::object& body, const RequestLimits& limits);

// POST /v1/completions and /v1/chat/completions: model, prompt | messages, max_tokens (or
// max_completion_tokens), temperature, top_p, n, stop, seed, stream. `chat` selects which.
struct OpenAiRequest {
  TextRequest text;
  bool stream = false;
  bool chat = false;
};
struct ParsedOpenAi {
  OpenAiRequest request;
  std::optional<ApiError> error;
};
ParsedOpenAi parse_openai_request(const boost::json::object& body, bool chat,
                                  const RequestLimits& limits);

// The prompt a chat becomes: one "role: content" line per message, then "assistant:", the
// shape instruction-tuned text models continue best without a model-specific template.
std::string chat_prompt(const std::vector<ChatMessage>& messages);

}  // namespace aipg::api
