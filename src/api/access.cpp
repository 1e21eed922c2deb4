#include "api/access.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace aipg::api {

Status AccessConfig::validate() const {
  for (const auto& [name, l] : {std::pair{"per_key_submits", per_key_submits},
                                std::pair{"per_ip_requests", per_ip_requests}}) {
    if (l.per_second < 0 || (l.per_second > 0 && l.burst < 1)) {
      return make_error(Errc::invalid_argument,
                        std::string(name) + ": rate must be >= 0 and burst >= 1 when limited");
    }
  }
  if (require_key && key_file.empty()) {
    return make_error(Errc::invalid_argument, "require_key needs a key file");
  }
  if (max_tracked == 0) return make_error(Errc::invalid_argument, "max_tracked must be > 0");
  return ok();
}

bool RateLimiter::take(const std::string& name, Instant now, Duration* retry_after) {
  if (limit_.per_second <= 0) return true;
  auto [it, fresh] = buckets_.try_emplace(name);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = limit_.burst;
    b.at = now;
    if (buckets_.size() > max_tracked_) evict(now);
  } else if (now > b.at) {
    const double secs = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(limit_.burst, b.tokens + secs * limit_.per_second);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after) {
    *retry_after = std::chrono::duration_cast<Duration>(
        std::chrono::duration<double>((1 - b.tokens) / limit_.per_second));
  }
  return false;
}

// Drops the buckets untouched longest (a full bucket is as good as none): memory stays bounded
// however many addresses a client cycles through.
void RateLimiter::evict(Instant now) {
  std::vector<std::pair<Instant, std::string>> by_age;
  by_age.reserve(buckets_.size());
  for (const auto& [name, b] : buckets_) by_age.emplace_back(b.at, name);
  const size_t drop = buckets_.size() - max_tracked_ * 9 / 10;
  std::nth_element(by_age.begin(), by_age.begin() + drop, by_age.end());
  for (size_t i = 0; i < drop; ++i) buckets_.erase(by_age[i].second);
}

Result<std::unordered_map<std::string, std::string>> parse_key_file(std::string_view text) {
  std::unordered_map<std::string, std::string> keys;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key, name, extra;
    if (!(words >> key)) continue;
    words >> name;
    if (words >> extra) {
      return make_error(Errc::malformed, "line " + std::to_string(n) + ": expected KEY [NAME]");
    }
    if (key.size() < 8 || key.size() > 256) {
      return make_error(Errc::malformed,
                        "line " + std::to_string(n) + ": a key must be 8..256 characters");
    }
    if (!keys.emplace(key, name.empty() ? "key-" + std::to_string(n) : name).second) {
      return make_error(Errc::malformed, "line " + std::to_string(n) + ": key listed twice");
    }
  }
  return keys;
}

Result<Access> Access::create(const AccessConfig& config) {
  AIPG_TRY(config.validate());
  Access a(config);
  if (!config.key_file.empty()) {
    std::ifstream f(config.key_file);
    if (!f) return make_error(Errc::io, "key file " + config.key_file + ": cannot read it");
    std::stringstream text;
    text << f.rdbuf();
    auto keys = parse_key_file(text.str());
    if (!keys)
      return make_error(Errc::malformed,
                        "key file " + config.key_file + ": " + keys.error().message);
    a.keys_ = std::move(*keys);
  }
  return a;
}

std::optional<Access::Who> Access::identify(std::string_view apikey) const {
  if (auto it = keys_.find(std::string(apikey)); it != keys_.end()) {
    return Who{it->second, it->first};
  }
  if (config_.require_key) return std::nullopt;
  if (apikey.empty() || apikey == kAnonymousKey) return Who{"anonymous", kAnonymousKey};
  return std::nullopt;
}

}  // namespace aipg::api
