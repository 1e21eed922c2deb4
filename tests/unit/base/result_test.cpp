#include "base/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace aipg {
namespace {

Result<int> half(int x) {
  if (x % 2) return make_error(Errc::invalid_argument, "odd: " + std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  AIPG_TRY_ASSIGN(int h, half(x));
  return half(h);
}

TEST(Result, CarriesValueOrError) {
  auto a = half(4);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 2);
  auto b = half(3);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::invalid_argument);
  EXPECT_EQ(b.error().to_string(), "invalid argument: odd: 3");
}

TEST(Result, TryAssignPropagatesTheFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  auto r = quarter(6);  // 6 → 3 → odd
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "odd: 3");
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r);
  auto p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s);
  Status e = make_error(Errc::closed, "bye");
  EXPECT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::closed);
}

}  // namespace
}  // namespace aipg
