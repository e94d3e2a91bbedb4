// base/json_escape.h: one escaper, with the spellings each former writer produced pinned here
// (the payload reader and access log: short forms; HTTP error bodies: \u00XX only;
// configuration messages: \u00XX and DEL escaped).
#include "base/json_escape.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden::base {
namespace {

using namespace std::string_literals;

constexpr JsonEscapes kUnicodeOnly = {.short_forms = false, .escape_delete = false};
constexpr JsonEscapes kMessage = {.short_forms = false, .escape_delete = true};

std::string Escaped(std::string_view text, JsonEscapes escapes = {}) {
  std::string out;
  AppendJsonEscaped(text, out, escapes);
  return out;
}

std::string Quoted(std::string_view text, JsonEscapes escapes = {}) {
  std::string out;
  AppendJsonQuoted(text, out, escapes);
  return out;
}

TEST(JsonEscapeTest, PlainTextIsCopied) {
  EXPECT_EQ(Escaped(""), "");
  EXPECT_EQ(Escaped("https://issuer.example/ a-b_c.d~"), "https://issuer.example/ a-b_c.d~");
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("kid-1"), R"("kid-1")");
}

TEST(JsonEscapeTest, QuoteAndBackslashInEveryStyle) {
  for (const JsonEscapes escapes : {JsonEscapes{}, kUnicodeOnly, kMessage}) {
    EXPECT_EQ(Escaped(R"(a"b\c)", escapes), R"(a\"b\\c)");
    EXPECT_EQ(Quoted(R"(")", escapes), R"("\"")");
  }
}

TEST(JsonEscapeTest, ShortFormsByDefault) {
  EXPECT_EQ(Escaped("tab\there\nnew\rret\x01\x1f\b\f"),
            R"(tab\there\nnew\rret\u0001\u001f\u0008\u000c)");
  EXPECT_EQ(Escaped("a\0b"s), R"(a\u0000b)");
  EXPECT_EQ(Escaped("\x7f"), "\x7f");  // DEL is allowed raw
}

TEST(JsonEscapeTest, UnicodeOnlyWritesEveryControlAsU00) {
  EXPECT_EQ(Escaped("a\nb\tc\rd\x1b", kUnicodeOnly), R"(a\u000ab\u0009c\u000dd\u001b)");
  EXPECT_EQ(Escaped("\x7f", kUnicodeOnly), "\x7f");
}

TEST(JsonEscapeTest, MessageStyleEscapesDeleteToo) {
  EXPECT_EQ(Quoted("bad\nkey\"\x7f", kMessage), R"("bad\u000akey\"\u007f")");
}

TEST(JsonEscapeTest, EveryControlCharacterIsEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string text(1, static_cast<char>(c));
    for (const JsonEscapes escapes : {JsonEscapes{}, kUnicodeOnly, kMessage}) {
      const std::string out = Escaped(text, escapes);
      ASSERT_GE(out.size(), 2u) << c;
      EXPECT_EQ(out[0], '\\') << c;
    }
    EXPECT_EQ(Escaped(text, kUnicodeOnly).size(), 6u) << c;
  }
}

TEST(JsonEscapeTest, Utf8BytesPassThrough) {
  const std::string text = "\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80 \xe2\x80\xa8";
  EXPECT_EQ(Escaped(text), text);
  EXPECT_EQ(Escaped(text, kMessage), text);
}

TEST(JsonEscapeTest, AppendsAfterExistingText) {
  std::string out = R"({"error":)";
  AppendJsonQuoted("x\ny", out);
  out.push_back('}');
  EXPECT_EQ(out, R"({"error":"x\ny"})");
}

}  // namespace
}  // namespace tokenwarden::base
