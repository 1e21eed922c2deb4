// Who may ask, and how often (docs/http-api.md): API keys and per-key / per-IP rate limits.
// Sans-IO: times are passed in, so the limits are tested without waiting.
//
// Keys: anonymous use is allowed by default with the AI Horde's anonymous key `0000000000` (or
// no key at all); a key file (one `KEY [NAME]` per line, `#` comments) lists the other keys,
// and with require_key only those are accepted.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "base/result.hpp"
#include "base/time.hpp"

namespace aipg::api {

inline constexpr char kAnonymousKey[] = "0000000000";

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 0;       // bucket size; at least 1 when limited
};

struct AccessConfig {
  std::string key_file;  // empty: no named keys
  bool require_key = false;
  RateLimit per_key_submits{1, 20};     // job submissions per key (anonymous shares one bucket)
  RateLimit per_ip_requests{200, 400};  // every request per client IP
  size_t max_tracked = 100000;          // buckets kept; the idlest are dropped beyond
  Status validate() const;
};

// A token bucket per name: take() spends one token, refilled at per_second up to burst.
class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit, size_t max_tracked = 100000)
      : limit_(limit), max_tracked_(max_tracked) {}
  // Whether one more is allowed now; when not, `retry_after` says when the next token comes.
  bool take(const std::string& name, Instant now, Duration* retry_after = nullptr);
  size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Instant at{};
  };
  void evict(Instant now);
  RateLimit limit_;
  size_t max_tracked_;
  std::unordered_map<std::string, Bucket> buckets_;
};

class Access {
 public:
  static Result<Access> create(const AccessConfig& config);

  struct Who {
    std::string name;  // the key's name, "anonymous"
    std::string key;   // the rate-limit bucket
  };
  // nullopt: the key is unknown (and anonymous use is not allowed, or the key is not
  // anonymous), the caller answers 401 InvalidAPIKey.
  std::optional<Who> identify(std::string_view apikey) const;
  bool allow_submit(const Who& who, Instant now, Duration* retry_after) {
    return submits_.take(who.key, now, retry_after);
  }
  bool allow_request(const std::string& ip, Instant now, Duration* retry_after) {
    return requests_.take(ip, now, retry_after);
  }
  size_t keys() const { return keys_.size(); }

 private:
  explicit Access(const AccessConfig& c)
      : config_(c),
        submits_(c.per_key_submits, c.max_tracked),
        requests_(c.per_ip_requests, c.max_tracked) {}
  AccessConfig config_;
  std::unordered_map<std::string, std::string> keys_;  // key → name
  RateLimiter submits_;
  RateLimiter requests_;
};

// Parses a key file's text; errors name the line.
Result<std::unordered_map<std::string, std::string>> parse_key_file(std::string_view text);

}  // namespace aipg::api
