#include "api/access.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace aipg::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant kT0 = Instant{} + std::chrono::hours(1);

TEST(RateLimiter, AllowsTheBurstThenTheRate) {
  RateLimiter r({2, 3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.take("k", kT0));
  Duration after{};
  EXPECT_FALSE(r.take("k", kT0, &after));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(after).count(), 500);
  EXPECT_TRUE(r.take("other", kT0));  // buckets are per name
  EXPECT_FALSE(r.take("k", kT0 + milliseconds(400)));
  EXPECT_TRUE(r.take("k", kT0 + milliseconds(900)));
  // Refilled up to the burst, not beyond.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.take("k", kT0 + seconds(100)));
  EXPECT_FALSE(r.take("k", kT0 + seconds(100)));
}

TEST(RateLimiter, UnlimitedWhenTheRateIsZeroAndBoundedInMemory) {
  RateLimiter open({0, 0});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(open.take("k", kT0));
  RateLimiter r({1, 1}, 100);
  for (int i = 0; i < 1000; ++i) r.take("ip" + std::to_string(i), kT0 + milliseconds(i));
  EXPECT_LE(r.tracked(), 100u);
}

TEST(KeyFile, ParsesKeysNamesAndComments) {
  auto k = parse_key_file("# operators\nabcdefgh1 alice\n\n  zyxwvuts99   # no name\n");
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_EQ(k->size(), 2u);
  EXPECT_EQ(k->at("abcdefgh1"), "alice");
  EXPECT_EQ(k->at("zyxwvuts99"), "key-4");
  EXPECT_EQ(parse_key_file("short\n").error().message, "line 1: a key must be 8..256 characters");
  EXPECT_EQ(parse_key_file("abcdefgh1 a b\n").error().message, "line 1: expected KEY [NAME]");
  EXPECT_EQ(parse_key_file("abcdefgh1\nabcdefgh1\n").error().message, "line 2: key listed twice");
}

TEST(Access, AnonymousByDefaultKeysWhenRequired) {
  auto open = Access::create({});
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->identify("")->name, "anonymous");
  EXPECT_EQ(open->identify(kAnonymousKey)->name, "anonymous");
  EXPECT_FALSE(open->identify("made-up-key").has_value());

  const auto path = std::filesystem::temp_directory_path() / "aipg_access_test_keys";
  std::ofstream(path) << "secretkey1 bob\n";
  AccessConfig c;
  c.key_file = path.string();
  c.require_key = true;
  auto closed = Access::create(c);
  ASSERT_TRUE(closed.has_value()) << closed.error().message;
  EXPECT_EQ(closed->identify("secretkey1")->name, "bob");
  EXPECT_FALSE(closed->identify(kAnonymousKey).has_value());
  EXPECT_FALSE(closed->identify("").has_value());
  std::filesystem::remove(path);

  c.key_file = "/nonexistent/keys";
  auto missing = Access::create(c);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("/nonexistent/keys"), std::string::npos);
  AccessConfig bad;
  bad.require_key = true;
  EXPECT_FALSE(Access::create(bad).has_value());
}

TEST(Access, SubmitsAreLimitedPerKey) {
  AccessConfig c;
  c.per_key_submits = {1, 2};
  auto a = Access::create(c);
  ASSERT_TRUE(a.has_value());
  const Access::Who who = *a->identify("");
  EXPECT_TRUE(a->allow_submit(who, kT0, nullptr));
  EXPECT_TRUE(a->allow_submit(who, kT0, nullptr));
  Duration after{};
  EXPECT_FALSE(a->allow_submit(who, kT0, &after));
  EXPECT_GT(after, Duration::zero());
}

}  // namespace
}  // namespace aipg::api
