#include "api/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>

#include "base/log.hpp"

namespace aipg::api {

namespace {

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  return "untyped";
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!(is_alpha(c) || c == '_' || c == ':' || (i > 0 && is_digit(c)))) return false;
  }
  return true;
}

// [a-zA-Z_][a-zA-Z0-9_]*, and names starting with "__" are reserved for Prometheus itself.
bool valid_label_name(std::string_view s) {
  if (s.empty() || s.starts_with("__")) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!(is_alpha(c) || c == '_' || (i > 0 && is_digit(c)))) return false;
  }
  return true;
}

// Sorted by name, so that {a,b} and {b,a} are one series. Empty string when valid, else why not.
std::string normalise_labels(Labels& labels, MetricType type) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& name = labels[i].first;
    if (!valid_label_name(name)) return "invalid label name '" + name + "'";
    if (i > 0 && labels[i - 1].first == name) return "label '" + name + "' given twice";
    if (type == MetricType::histogram && name == "le") return "label 'le' is the bucket's own";
  }
  return {};
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void append_escaped_label_value(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_labels(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first;
    out += "=\"";
    append_escaped_label_value(out, labels[i].second);
    out += '"';
  }
  out += '}';
}

std::vector<double> normalise_bounds(std::vector<double> b) {
  std::erase_if(b, [](double v) { return !std::isfinite(v); });
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

}  // namespace

void Counter::inc(double v) {
  if (v >= 0) value_ += v;  // false for NaN too
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(normalise_bounds(std::move(bounds))), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  if (std::isnan(v)) return;
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  ++counts_[size_t(it - bounds_.begin())];
  ++count_;
  sum_ += v;
}

uint64_t Histogram::cumulative(size_t i) const {
  uint64_t total = 0;
  for (size_t k = 0; k <= i && k < counts_.size(); ++k) total += counts_[k];
  return total;
}

std::vector<double> duration_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

// ---- Exposition ----

Exposition::Family* Exposition::family(const std::string& name, const std::string& help,
                                       MetricType type) {
  auto [it, inserted] = families_.try_emplace(name, Family{help, type, {}});
  if (!inserted && it->second.type != type) {
    log::error("metrics: {} is a {}, not a {}; sample dropped", name, type_name(it->second.type),
               type_name(type));
    return nullptr;
  }
  return &it->second;
}

void Exposition::put(const std::string& name, const std::string& help, MetricType type,
                     double value, const Labels& labels) {
  if (!valid_metric_name(name)) {
    log::error("metrics: invalid metric name '{}'; sample dropped", name);
    return;
  }
  Labels sorted = labels;
  if (std::string why = normalise_labels(sorted, type); !why.empty()) {
    log::error("metrics: {}: {}; sample dropped", name, why);
    return;
  }
  Family* f = family(name, help, type);
  if (f == nullptr) return;
  for (Sample& s : f->samples) {
    if (s.labels == sorted) {
      s.value = value;
      return;
    }
  }
  f->samples.push_back(Sample{"", std::move(sorted), value});
}

void Exposition::counter(const std::string& name, const std::string& help, double value,
                         const Labels& labels) {
  put(name, help, MetricType::counter, value, labels);
}

void Exposition::gauge(const std::string& name, const std::string& help, double value,
                       const Labels& labels) {
  put(name, help, MetricType::gauge, value, labels);
}

std::string Exposition::text() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.samples.empty()) continue;
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped_help(out, f.help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    std::vector<const Sample*> order;
    order.reserve(f.samples.size());
    for (const Sample& s : f.samples) order.push_back(&s);
    // A histogram's samples are already grouped per series in bucket order; sorting them by
    // labels would put le="+Inf" first.
    if (f.type != MetricType::histogram) {
      std::stable_sort(order.begin(), order.end(),
                       [](const Sample* a, const Sample* b) { return a->labels < b->labels; });
    }
    for (const Sample* s : order) {
      out += name;
      out += s->suffix;
      append_labels(out, s->labels);
      out += ' ';
      out += format_value(s->value);
      out += '\n';
    }
  }
  return out;
}

// ---- Registry ----

Registry::Family* Registry::family(const std::string& name, const std::string& help,
                                   MetricType type, const Labels& labels) {
  if (!valid_metric_name(name)) {
    log::error("metrics: invalid metric name '{}'; the metric is not exported", name);
    return nullptr;
  }
  auto [it, inserted] = families_.try_emplace(name, Family{help, type, {}, {}, {}, {}});
  if (!inserted && it->second.type != type) {
    log::error("metrics: {} is registered as a {}, not a {}; the metric is not exported", name,
               type_name(it->second.type), type_name(type));
    return nullptr;
  }
  Labels sorted = labels;
  if (std::string why = normalise_labels(sorted, type); !why.empty()) {
    log::error("metrics: {}: {}; the metric is not exported", name, why);
    if (inserted) families_.erase(it);
    return nullptr;
  }
  return &it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  Family* f = family(name, help, MetricType::counter, labels);
  if (f == nullptr) return detached_counters_.emplace_back();
  Labels key = labels;
  normalise_labels(key, MetricType::counter);
  return f->counters[key];
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  Family* f = family(name, help, MetricType::gauge, labels);
  if (f == nullptr) return detached_gauges_.emplace_back();
  Labels key = labels;
  normalise_labels(key, MetricType::gauge);
  return f->gauges[key];
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> buckets, const Labels& labels) {
  Family* f = family(name, help, MetricType::histogram, labels);
  if (f == nullptr) return detached_histograms_.emplace_back(std::move(buckets));
  if (f->histograms.empty()) f->buckets = normalise_bounds(buckets);
  Labels key = labels;
  normalise_labels(key, MetricType::histogram);
  return f->histograms.try_emplace(std::move(key), f->buckets).first->second;
}

void Registry::add_collector(std::function<void(Exposition&)> fn) {
  collectors_.push_back(std::move(fn));
}

std::string Registry::render() const {
  Exposition ex;
  for (const auto& [name, f] : families_) {
    Exposition::Family& out = ex.families_[name];
    out.help = f.help;
    out.type = f.type;
    for (const auto& [labels, c] : f.counters) out.samples.push_back({"", labels, c.value()});
    for (const auto& [labels, g] : f.gauges) out.samples.push_back({"", labels, g.value()});
    for (const auto& [labels, h] : f.histograms) {
      const auto& bounds = h.bounds();
      for (size_t i = 0; i <= bounds.size(); ++i) {
        Labels with_le = labels;
        with_le.emplace_back("le", i < bounds.size() ? format_value(bounds[i]) : "+Inf");
        out.samples.push_back({"_bucket", std::move(with_le), double(h.cumulative(i))});
      }
      out.samples.push_back({"_sum", labels, h.sum()});
      out.samples.push_back({"_count", labels, double(h.count())});
    }
  }
  for (const auto& fn : collectors_) {
    // A collector is our own code, but one that throws must not fail the whole scrape.
    try {
      fn(ex);
    } catch (const std::exception& e) {
      log::error("metrics: a collector threw: {}", e.what());
    } catch (...) {
      log::error("metrics: a collector threw");
    }
  }
  return ex.text();
}

}  // namespace aipg::api
