#include "protocol/grid/topics.hpp"

namespace aipg::grid {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

constexpr char kHex[] = "0123456789ABCDEF";

// Uppercase only: the topic is compared as a string, so a model has exactly one spelling.
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string jobs_topic(std::string_view model) {
  if (model.empty()) return {};
  std::string topic = kJobsTopicPrefix;
  for (unsigned char c : model) {
    if (unreserved(c)) {
      topic += static_cast<char>(c);
    } else {
      topic += '%';
      topic += kHex[c >> 4];
      topic += kHex[c & 0xf];
    }
  }
  return topic;
}

// Only the canonical spelling decodes (what jobs_topic would produce): "%41" for 'A', lowercase
// hex or a raw '/' would name the same model on a different topic, where nobody listens.
std::optional<std::string> model_of_jobs_topic(std::string_view topic) {
  std::string_view prefix = kJobsTopicPrefix;
  if (!topic.starts_with(prefix)) return std::nullopt;
  std::string_view enc = topic.substr(prefix.size());
  if (enc.empty()) return std::nullopt;
  std::string model;
  model.reserve(enc.size());
  for (size_t i = 0; i < enc.size(); ++i) {
    unsigned char c = enc[i];
    if (unreserved(c)) {
      model += static_cast<char>(c);
      continue;
    }
    if (c != '%' || enc.size() - i < 3) return std::nullopt;
    int hi = hex_digit(enc[i + 1]), lo = hex_digit(enc[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    unsigned char decoded = static_cast<unsigned char>(hi << 4 | lo);
    if (unreserved(decoded)) return std::nullopt;
    model += static_cast<char>(decoded);
    i += 2;
  }
  return model;
}

}  // namespace aipg::grid
