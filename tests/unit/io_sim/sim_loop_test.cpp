#include "io/sim/sim_loop.hpp"

#include <gtest/gtest.h>

#include "io/sim/seeded_rng.hpp"

namespace aipg::io::sim {
namespace {

TEST(SimLoop, RunsEventsInTimeThenSequenceOrder) {
  SimLoop loop;
  const Instant t0 = loop.now();
  std::vector<int> order;
  loop.schedule_at(t0 + 2ms, [&] { order.push_back(3); });
  loop.schedule_at(t0 + 1ms, [&] { order.push_back(1); });
  loop.schedule_at(t0 + 1ms, [&] { order.push_back(2); });
  loop.post([&] { order.push_back(0); });
  loop.run_until(t0 + 10ms);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(loop.now(), t0 + 10ms);
}

TEST(SimLoop, CancelledTimersDoNotRun) {
  SimLoop loop;
  bool ran = false;
  auto id = loop.schedule_at(loop.now() + 1s, [&] { ran = true; });
  loop.cancel(id);
  loop.run_for(2s);
  EXPECT_FALSE(ran);
  EXPECT_EQ(loop.pending(), 0u);
}

TEST(SimLoop, RunUntilPredicateStopsAtTheDeadline) {
  SimLoop loop;
  int n = 0;
  std::function<void()> tick = [&] {
    ++n;
    loop.schedule_at(loop.now() + 1s, tick);
  };
  loop.post(tick);
  EXPECT_TRUE(loop.run_until([&] { return n == 5; }, loop.now() + 1min));
  const Instant t = loop.now();
  EXPECT_FALSE(loop.run_until([] { return false; }, t + 3500ms));
  EXPECT_EQ(loop.now(), t + 3500ms);
}

TEST(SeededRng, SameSeedSameStreamDifferentSeedDifferentStream) {
  SeededRng a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
}

}  // namespace
}  // namespace aipg::io::sim
