#include "io/asio/asio_timers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "io/asio/asio_clock.hpp"
#include "io/asio/asio_runtime.hpp"

namespace aipg::io {
namespace {

TEST(AsioTimers, FireInDeadlineOrderThenSchedulingOrder) {
  AsioRuntime rt;
  auto& timers = rt.runtime().timers;
  const Instant now = AsioClock().now();
  std::vector<char> fired;
  const auto a = timers.schedule_at(now + 30ms, [&] { fired.push_back('a'); });
  const auto b = timers.schedule_at(now + 10ms, [&] { fired.push_back('b'); });
  const auto c = timers.schedule_at(now + 20ms, [&] { fired.push_back('c'); });
  const auto d = timers.schedule_at(now + 20ms, [&] { fired.push_back('d'); });
  const auto e = timers.schedule_at(now + 15ms, [&] { fired.push_back('e'); });
  EXPECT_NE(a, runtime::kNoTimer);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
  EXPECT_LT(d, e);
  timers.cancel(e);
  ASSERT_TRUE(rt.run_until([&] { return fired.size() >= 4; }, 5s));
  rt.run_for(40ms);  // nothing else may come
  EXPECT_EQ(fired, (std::vector<char>{'b', 'c', 'd', 'a'}));
}

TEST(AsioTimers, PastDeadlineFiresLaterNotInline) {
  AsioRuntime rt;
  auto& timers = rt.runtime().timers;
  bool fired = false;
  timers.schedule_at(AsioClock().now() - 1s, [&] { fired = true; });
  EXPECT_FALSE(fired);
  EXPECT_TRUE(rt.run_until([&] { return fired; }, 5s));
}

TEST(AsioTimers, CancelFromInsideACallbackOfTheSameDeadline) {
  AsioRuntime rt;
  auto& timers = rt.runtime().timers;
  const Instant when = AsioClock().now() + 5ms;
  int first = 0, second = 0;
  runtime::TimerId second_id = runtime::kNoTimer;
  timers.schedule_at(when, [&] {
    ++first;
    timers.cancel(second_id);
  });
  second_id = timers.schedule_at(when, [&] { ++second; });
  bool later = false;
  timers.schedule_at(when + 20ms, [&] { later = true; });
  ASSERT_TRUE(rt.run_until([&] { return later; }, 5s));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);
}

TEST(AsioTimers, EarlierTimerScheduledLaterRearms) {
  AsioRuntime rt;
  auto& timers = rt.runtime().timers;
  const Instant now = AsioClock().now();
  std::vector<int> fired;
  timers.schedule_at(now + 10s, [&] { fired.push_back(2); });
  timers.schedule_at(now + 5ms, [&] {
    fired.push_back(1);
    // Scheduling from inside a callback works and ids keep growing.
    timers.schedule_at(AsioClock().now() + 1ms, [&] { fired.push_back(3); });
  });
  ASSERT_TRUE(rt.run_until([&] { return fired.size() == 2; }, 5s));
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
}

TEST(AsioTimers, ManyCancelledTimersAreCompacted) {
  AsioRuntime rt;
  auto& timers = rt.runtime().timers;
  const Instant now = AsioClock().now();
  for (int i = 0; i < 10000; ++i) timers.cancel(timers.schedule_at(now + 1h, [] {}));
  int fired = 0;
  timers.schedule_at(now + 1ms, [&] { ++fired; });
  ASSERT_TRUE(rt.run_until([&] { return fired == 1; }, 5s));
  EXPECT_EQ(static_cast<AsioTimers&>(timers).pending(), 0u);
}

TEST(AsioTimers, NoCallbackAfterDestruction) {
  boost::asio::io_context ctx;
  auto timers = std::make_unique<AsioTimers>(ctx);
  int fired = 0;
  timers->schedule_at(AsioClock().now(), [&] { ++fired; });
  timers->schedule_at(AsioClock().now() + 1ms, [&] { ++fired; });
  timers.reset();
  ctx.run_for(30ms);
  EXPECT_EQ(fired, 0);
}

TEST(AsioTimers, DestroyedFromInsideItsOwnCallback) {
  boost::asio::io_context ctx;
  auto timers = std::make_unique<AsioTimers>(ctx);
  const Instant when = AsioClock().now();
  int fired = 0;
  timers->schedule_at(when, [&] {
    ++fired;
    timers.reset();
  });
  timers->schedule_at(when, [&] { ++fired; });
  ctx.run_for(30ms);
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace aipg::io
