// Registry: the text exposition format, exactly; series identity; misuse kept out of the output.
#include "api/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace aipg::api {
namespace {

TEST(Metrics, RendersASmallRegistryExactly) {
  Registry r;
  r.counter("b_total", "B things.", {{"path", "a\\b\"c\nd"}}).inc(2);
  r.gauge("a_gauge", "A gauge.\nSecond line \\ here").set(1.5);
  Histogram& h = r.histogram("c_seconds", "C.", {1, 0.5, 2}, {{"x", "y"}});
  for (const double v : {0.25, 0.5, 1.5, 10.0}) h.observe(v);
  r.add_collector([](Exposition& e) {
    e.gauge("d_jobs", "Jobs by state.", 3, {{"state", "queued"}});
    e.gauge("d_jobs", "Jobs by state.", 1, {{"state", "done"}});
  });
  EXPECT_EQ(r.render(),
            "# HELP a_gauge A gauge.\\nSecond line \\\\ here\n"
            "# TYPE a_gauge gauge\n"
            "a_gauge 1.5\n"
            "# HELP b_total B things.\n"
            "# TYPE b_total counter\n"
            "b_total{path=\"a\\\\b\\\"c\\nd\"} 2\n"
            "# HELP c_seconds C.\n"
            "# TYPE c_seconds histogram\n"
            "c_seconds_bucket{x=\"y\",le=\"0.5\"} 2\n"
            "c_seconds_bucket{x=\"y\",le=\"1\"} 2\n"
            "c_seconds_bucket{x=\"y\",le=\"2\"} 3\n"
            "c_seconds_bucket{x=\"y\",le=\"+Inf\"} 4\n"
            "c_seconds_sum{x=\"y\"} 12.25\n"
            "c_seconds_count{x=\"y\"} 4\n"
            "# HELP d_jobs Jobs by state.\n"
            "# TYPE d_jobs gauge\n"
            "d_jobs{state=\"done\"} 1\n"
            "d_jobs{state=\"queued\"} 3\n");
}

TEST(Metrics, EmptyRegistryRendersNothing) {
  Registry r;
  EXPECT_EQ(r.render(), "");
}

TEST(Metrics, SameNameAndLabelsIsTheSameObjectWhateverTheLabelOrder) {
  Registry r;
  Counter& a = r.counter("req_total", "Requests.", {{"route", "/a"}, {"code", "200"}});
  Counter& b =
      r.counter("req_total", "ignored: the first help stays", {{"code", "200"}, {"route", "/a"}});
  Counter& other = r.counter("req_total", "Requests.", {{"code", "404"}, {"route", "/a"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  a.inc();
  b.inc(2);
  // Many more series must not move the first one.
  for (int i = 0; i < 200; ++i) r.counter("req_total", "Requests.", {{"code", std::to_string(i)}});
  EXPECT_EQ(&r.counter("req_total", "Requests.", {{"route", "/a"}, {"code", "200"}}), &a);
  EXPECT_EQ(a.value(), 3);
  const std::string text = r.render();
  EXPECT_NE(text.find("# HELP req_total Requests.\n# TYPE req_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("req_total{code=\"200\",route=\"/a\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("req_total{code=\"404\",route=\"/a\"} 0\n"), std::string::npos);
  // HELP and TYPE once per family.
  EXPECT_EQ(text.find("# TYPE req_total"), text.rfind("# TYPE req_total"));
}

TEST(Metrics, CounterNeverGoesDown) {
  Counter c;
  c.inc();
  c.inc(-5);
  c.inc(std::nan(""));
  c.inc(0.5);
  EXPECT_EQ(c.value(), 1.5);
}

TEST(Metrics, GaugeSetsAndAdds) {
  Registry r;
  Gauge& g = r.gauge("conns", "Connections.");
  g.set(4);
  g.add(-1.5);
  EXPECT_EQ(g.value(), 2.5);
  EXPECT_EQ(r.render(), "# HELP conns Connections.\n# TYPE conns gauge\nconns 2.5\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeAndLeInclusive) {
  Histogram h({0.1, 1, 1, std::numeric_limits<double>::infinity(), 0.5});
  EXPECT_EQ(h.bounds(), (std::vector<double>{0.1, 0.5, 1}));
  h.observe(0.1);  // exactly on a bound: in that bucket
  h.observe(0.7);
  h.observe(1);
  h.observe(3);
  h.observe(std::nan(""));  // ignored
  EXPECT_EQ(h.cumulative(0), 1u);
  EXPECT_EQ(h.cumulative(1), 1u);
  EXPECT_EQ(h.cumulative(2), 3u);
  EXPECT_EQ(h.cumulative(3), 4u);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_DOUBLE_EQ(h.sum(), 4.8);
}

TEST(Metrics, HistogramWithoutLabelsAndTheFirstBucketsWin) {
  Registry r;
  r.histogram("lat", "Latency.", {1}).observe(0.5);
  Histogram& again = r.histogram("lat", "Latency.", {5, 10});
  EXPECT_EQ(again.bounds(), (std::vector<double>{1}));
  EXPECT_EQ(r.render(),
            "# HELP lat Latency.\n# TYPE lat histogram\n"
            "lat_bucket{le=\"1\"} 1\nlat_bucket{le=\"+Inf\"} 1\nlat_sum 0.5\nlat_count 1\n");
}

TEST(Metrics, SpecialValuesAreSpelledAsPrometheusDoes) {
  Registry r;
  r.gauge("g", "G.", {{"v", "nan"}}).set(std::nan(""));
  r.gauge("g", "G.", {{"v", "pinf"}}).set(std::numeric_limits<double>::infinity());
  r.gauge("g", "G.", {{"v", "ninf"}}).set(-std::numeric_limits<double>::infinity());
  r.gauge("g", "G.", {{"v", "small"}}).set(0.1);
  r.gauge("g", "G.", {{"v", "int"}}).set(12345);
  EXPECT_EQ(r.render(),
            "# HELP g G.\n# TYPE g gauge\n"
            "g{v=\"int\"} 12345\n"
            "g{v=\"nan\"} NaN\n"
            "g{v=\"ninf\"} -Inf\n"
            "g{v=\"pinf\"} +Inf\n"
            "g{v=\"small\"} 0.1\n");
}

TEST(Metrics, MisuseGetsADetachedMetricThatIsNotRendered) {
  Registry r;
  r.counter("x_total", "X.").inc();
  Gauge& wrong_type = r.gauge("x_total", "X as a gauge");
  wrong_type.set(7);
  r.counter("bad name", "Bad.").inc();
  r.counter("ok_total", "Ok.", {{"__reserved", "v"}}).inc();
  r.counter("ok_total", "Ok.", {{"a", "1"}, {"a", "2"}}).inc();
  r.histogram("h", "H.", {1}, {{"le", "1"}}).observe(1);
  EXPECT_EQ(wrong_type.value(), 7);  // it works, it is just not exported
  EXPECT_EQ(r.render(), "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n");
}

TEST(Metrics, CollectorsMergeWithRegisteredFamiliesAndCannotChangeTheirType) {
  Registry r;
  r.gauge("jobs", "Jobs by state.", {{"state", "queued"}}).set(2);
  int calls = 0;
  r.add_collector([&calls](Exposition& e) {
    ++calls;
    e.gauge("jobs", "Jobs by state.", 5, {{"state", "done"}});
    e.counter("jobs", "wrong type: dropped", 1, {{"state", "x"}});
    e.counter("a_total", "A.", 9);
    e.counter("a_total", "A.", 10);  // the same series again: the last value stays
  });
  const std::string expected =
      "# HELP a_total A.\n# TYPE a_total counter\na_total 10\n"
      "# HELP jobs Jobs by state.\n# TYPE jobs gauge\n"
      "jobs{state=\"done\"} 5\njobs{state=\"queued\"} 2\n";
  EXPECT_EQ(r.render(), expected);
  EXPECT_EQ(r.render(), expected);
  EXPECT_EQ(calls, 2);
}

TEST(Metrics, ACollectorThatThrowsDoesNotFailTheScrape) {
  Registry r;
  r.counter("a_total", "A.").inc();
  r.add_collector([](Exposition&) { throw std::runtime_error("broken"); });
  EXPECT_EQ(r.render(), "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n");
}

}  // namespace
}  // namespace aipg::api
