// api::Registry — a small Prometheus metrics registry rendered in the text exposition format
// 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// A metric family is a name with HELP text and a TYPE (counter, gauge, histogram); a series is one
// label set within it. counter()/gauge()/histogram() return the series for (name, labels),
// creating it on first use; the same name and labels always give the same object, and the
// reference stays valid for the registry's lifetime. Label order does not matter: labels are
// kept sorted by name. The first registration of a name fixes its HELP, its TYPE and (for a
// histogram) its buckets; later calls with another help or other buckets get the existing ones.
//
// Misuse is a bug in our code, not remote input, but a metric must never take the server down:
// an invalid metric or label name, a duplicate label name, a histogram label named "le", or a
// name already registered with another type is logged at error and gets a detached metric that
// works but is never rendered.
//
// Collectors (add_collector) compute values at scrape time, e.g. jobs by state from another
// object; render() calls each in order and merges what they emit with the registered families.
//
// render(): families sorted by name, "# HELP" and "# TYPE" once per family, series sorted by
// labels, label values escaped (\\, \", \n), HELP escaped (\\, \n), values in shortest round-trip
// form (NaN, +Inf, -Inf spelled as Prometheus does), histograms as cumulative <name>_bucket
// series with a last le="+Inf" bucket, then <name>_sum and <name>_count.
//
// Not thread-safe: meant for one io thread, like the rest of a node's state.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aipg::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

// The Content-Type of render()'s output.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { counter, gauge, histogram };

class Counter {
 public:
  // A counter only goes up: negative and NaN increments are ignored.
  void inc(double v = 1);
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Gauge {
 public:
  void set(double v) { value_ = v; }
  void add(double v) { value_ += v; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Histogram {
 public:
  // Upper bounds of the buckets: sorted, deduplicated; NaN and infinities are dropped (the
  // +Inf bucket is always there).
  explicit Histogram(std::vector<double> bounds);

  // Counts v in every bucket whose bound is >= v (Prometheus' "le"). NaN is ignored.
  void observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations <= bounds()[i]; i == bounds().size() is the +Inf bucket, equal to count().
  uint64_t cumulative(size_t i) const;
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; one more than bounds_
  uint64_t count_ = 0;
  double sum_ = 0;
};

// Default histogram buckets for request durations in seconds: 5 ms to 60 s, so that long polls
// and event streams still land in a finite bucket.
std::vector<double> duration_buckets();

// What a collector writes into during render(). Emitting the same name and labels twice in one
// scrape keeps the last value. A name registered with another type is dropped (logged).
class Exposition {
 public:
  void counter(const std::string& name, const std::string& help, double value,
               const Labels& labels = {});
  void gauge(const std::string& name, const std::string& help, double value,
             const Labels& labels = {});

  // The text exposition of everything added so far.
  std::string text() const;

 private:
  friend class Registry;
  struct Sample {
    std::string suffix;  // "", "_bucket", "_sum", "_count"
    Labels labels;       // sorted, "le" last for buckets
    double value;
  };
  struct Family {
    std::string help;
    MetricType type;
    std::vector<Sample> samples;
  };

  // Null when `name` exists with another type.
  Family* family(const std::string& name, const std::string& help, MetricType type);
  void put(const std::string& name, const std::string& help, MetricType type, double value,
           const Labels& labels);

  std::map<std::string, Family> families_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> buckets, const Labels& labels = {});

  // Runs at every render(), after the registered families are collected. It must not call back
  // into this registry.
  void add_collector(std::function<void(Exposition&)> fn);

  std::string render() const;

 private:
  struct Family {
    std::string help;
    MetricType type;
    std::vector<double> buckets;  // histograms only, normalised
    std::map<Labels, Counter> counters;
    std::map<Labels, Gauge> gauges;
    std::map<Labels, Histogram> histograms;
  };

  // The family for (name, type), created with `help` on first use; null (logged) on misuse.
  Family* family(const std::string& name, const std::string& help, MetricType type,
                 const Labels& labels);

  std::map<std::string, Family> families_;
  std::vector<std::function<void(Exposition&)>> collectors_;
  // Handed out on misuse; deque keeps references stable.
  std::deque<Counter> detached_counters_;
  std::deque<Gauge> detached_gauges_;
  std::deque<Histogram> detached_histograms_;
};

}  // namespace aipg::api
