#include "base/utf8.hpp"

#include <gtest/gtest.h>

namespace aipg {
namespace {

TEST(Utf8, LengthsOfWellFormedCharacters) {
  EXPECT_EQ(utf8_char_length("a", 0), 1u);
  EXPECT_EQ(utf8_char_length("\xC3\xA9", 0), 2u);          // é
  EXPECT_EQ(utf8_char_length("\xE2\x82\xAC", 0), 3u);      // €
  EXPECT_EQ(utf8_char_length("\xF0\x9F\x98\x80", 0), 4u);  // U+1F600
  EXPECT_EQ(utf8_char_length("x\xC3\xA9", 1), 2u);
}

TEST(Utf8, RefusesWhatIsNotUtf8) {
  EXPECT_EQ(utf8_char_length("\x80", 0), 0u);              // stray continuation
  EXPECT_EQ(utf8_char_length("\xFF", 0), 0u);              // never a lead byte
  EXPECT_EQ(utf8_char_length("\xE2\x82", 0), 0u);          // truncated
  EXPECT_EQ(utf8_char_length("\xE2\x41\x41", 0), 0u);      // bad continuation
  EXPECT_EQ(utf8_char_length("\xC0\xAF", 0), 0u);          // overlong '/'
  EXPECT_EQ(utf8_char_length("\xED\xA0\x80", 0), 0u);      // surrogate U+D800
  EXPECT_EQ(utf8_char_length("\xF4\x90\x80\x80", 0), 0u);  // past U+10FFFF
}

}  // namespace
}  // namespace aipg
