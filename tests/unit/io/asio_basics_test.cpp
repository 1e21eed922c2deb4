// AsioClock, OsRng, AsioExecutor and the AsioRuntime loop helpers.
#include <gtest/gtest.h>

#include <thread>

#include "io/asio/asio_clock.hpp"
#include "io/asio/asio_runtime.hpp"
#include "io/asio/os_rng.hpp"

namespace aipg::io {
namespace {

TEST(AsioClock, MonotonicAndWallTimeIsRecent) {
  AsioClock clock;
  const Instant a = clock.now();
  const Instant b = clock.now();
  EXPECT_LE(a, b);
  // After 2020-01-01.
  EXPECT_GT(clock.wall_now().time_since_epoch(), std::chrono::seconds(1577836800));
}

TEST(OsRng, FillsAndDiffers) {
  OsRng rng;
  uint8_t a[32] = {}, b[32] = {};
  rng.fill(MutBytesView(a, sizeof a));
  rng.fill(MutBytesView(b, sizeof b));
  EXPECT_NE(Bytes(a, a + 32), Bytes(b, b + 32));
  for (int i = 0; i < 1000; ++i) EXPECT_LT(rng.uniform(7), 7u);
}

TEST(AsioExecutor, PostRunsLaterInOrder) {
  AsioRuntime rt;
  std::vector<int> order;
  rt.runtime().executor.post([&] {
    order.push_back(1);
    rt.runtime().executor.post([&] { order.push_back(3); });
  });
  rt.runtime().executor.post([&] { order.push_back(2); });
  EXPECT_TRUE(order.empty());
  ASSERT_TRUE(rt.run_until([&] { return order.size() == 3; }, 5s));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(AsioRuntime, StopFromAnotherThreadEndsRun) {
  AsioRuntime rt;
  std::thread stopper;
  // Started from inside run(), so the stop() lands while run() is running.
  rt.runtime().executor.post([&] { stopper = std::thread([&] { rt.stop(); }); });
  rt.run();
  stopper.join();
  // run_until keeps working after a stop.
  bool done = false;
  rt.runtime().executor.post([&] { done = true; });
  EXPECT_TRUE(rt.run_until([&] { return done; }, 5s));
}

TEST(AsioRuntime, RunUntilGivesUpAtTheLimit) {
  AsioRuntime rt;
  const Instant start = AsioClock().now();
  EXPECT_FALSE(rt.run_until([] { return false; }, 20ms));
  EXPECT_GE(AsioClock().now() - start, 20ms);
}

}  // namespace
}  // namespace aipg::io
