// The revocation record (server/revocation/record.h): written and read back, the one
// canonical spelling accepted, every other refused.
#include "server/revocation/record.h"

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/hex.h"
#include "core/denylist.h"

namespace tokenwarden::server::revocation {
namespace {

constexpr int64_t kNow = 1700000000;

Denylist::Key KeyN(int n) {
  return Denylist::KeyFor("https://issuer.example", "jti-" + std::to_string(n), "");
}

TEST(RevocationRecordTest, RoundTrips) {
  Denylist::Key zeros{};
  Denylist::Key ones;
  ones.fill(0xff);
  Denylist::Key mixed;
  for (size_t i = 0; i < mixed.size(); ++i) {
    mixed[i] = static_cast<uint8_t>(i * 37 + 0xab);
  }
  for (const Denylist::Key& key : {zeros, ones, mixed, KeyN(1)}) {
    for (const int64_t expires_at :
         {kNow, int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{10}, INT64_MAX, INT64_MIN}) {
      std::string record = "prefix|";
      AppendRecord({key, {expires_at}}, record);
      ASSERT_TRUE(record.starts_with("prefix|")) << record;  // appended, not replaced
      const std::string line = record.substr(7);
      EXPECT_EQ(line, base::HexEncode(key) + " " + std::to_string(expires_at) + "\n");
      ASSERT_TRUE(line.ends_with('\n'));
      Revocation parsed{{}, {12345, 6789}};
      ASSERT_TRUE(ParseRecord(std::string_view(line).substr(0, line.size() - 1), parsed)) << line;
      EXPECT_EQ(parsed, (Revocation{key, {expires_at}})) << line;
    }
  }
}

// An attribute revocation's record carries the issue time it covers, and reads back so.
TEST(RevocationRecordTest, AttributeRecordsRoundTrip) {
  const Denylist::Key key =
      Denylist::AttributeKeyFor(RevokedAttribute::kSid, "https://issuer.example", "s-1");
  for (const int64_t issued_until : {kNow, int64_t{0}, int64_t{-5}, INT64_MAX - 1}) {
    const Revocation revocation{key, {kNow + 3600, issued_until}};
    const std::string text = RecordText(revocation);
    EXPECT_EQ(text, base::HexEncode(key) + " " + std::to_string(kNow + 3600) + " " +
                        std::to_string(issued_until));
    Revocation parsed;
    ASSERT_TRUE(ParseRecord(text, parsed)) << text;
    EXPECT_EQ(parsed, revocation);
  }
  // kAnyTime is spelled by leaving the field out, never written out; other spellings fail.
  const std::string hex = base::HexEncode(key);
  Revocation parsed;
  for (const std::string& bad :
       {hex + " 1700000100 9223372036854775807", hex + " 1700000100 ", hex + " 1700000100  7",
        hex + " 1700000100 07", hex + " 1700000100 7 8", hex + " 1700000100 x"}) {
    EXPECT_FALSE(ParseRecord(bad, parsed)) << bad;
  }
}

TEST(RevocationRecordTest, ParsesTheCanonicalSpelling) {
  Revocation r;
  const std::string hex(64, 'a');
  ASSERT_TRUE(ParseRecord(hex + " 1700000100", r));
  EXPECT_EQ(r.entry.expires_at, 1700000100);
  EXPECT_EQ(r.entry.issued_until, Denylist::kAnyTime);
  Denylist::Key expected;
  expected.fill(0xaa);
  EXPECT_EQ(r.key, expected);
  const std::string digits = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  ASSERT_TRUE(ParseRecord(digits + " -9223372036854775808", r));
  EXPECT_EQ(r.entry.expires_at, INT64_MIN);
  EXPECT_EQ(r.key[0], 0x01);
  EXPECT_EQ(r.key[7], 0xef);
  EXPECT_EQ(r.key[31], 0xef);
  ASSERT_TRUE(ParseRecord(digits + " 0", r));
  EXPECT_EQ(r.entry.expires_at, 0);
  ASSERT_TRUE(ParseRecord(digits + " 9223372036854775807", r));
  EXPECT_EQ(r.entry.expires_at, INT64_MAX);
  ASSERT_TRUE(ParseRecord(digits + " 1700000100 1699990000", r));
  EXPECT_EQ(r.entry, (Denylist::Entry{1700000100, 1699990000}));
}

TEST(RevocationRecordTest, RefusesEveryOtherSpelling) {
  Denylist::Key key;
  for (size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<uint8_t>(i * 37 + 0xab);
  }
  const std::string hex = base::HexEncode(key);
  std::string upper = hex;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  ASSERT_NE(upper, hex);
  std::string one_upper = hex;
  one_upper[10] = 'A';
  one_upper[11] = 'B';
  const std::vector<std::string> bad = {
      "",
      " 1700000100",
      upper + " 1700000100",                        // upper-case hex
      one_upper + " 1700000100",                    // one upper-case byte
      hex.substr(1) + " 1700000100",                // 63 digits
      hex + "0 1700000100",                         // 65 digits
      hex + "1700000100",                           // no space
      hex + "  1700000100",                         // two spaces
      hex + "\t1700000100",                         // tab
      " " + hex + " 1700000100",                    // leading space
      hex + " +1700000100",                         // sign
      hex + " 007",                                 // leading zeros
      hex + " 00",                                  // leading zero
      hex + " -07",                                 // negative with a leading zero
      hex + " -0",                                  // negative zero
      hex + " -",                                   // sign alone
      hex + " 1700000100\n",                        // trailing newline
      hex + " 1700000100 ",                         // trailing space
      hex + " 1700000100\r",                        // CR
      hex + " 1700000100" + std::string(1, '\0'),   // NUL
      hex + " 17000x0100",                          // not a number
      hex + " 0x10",                                // hexadecimal
      hex + " 1e9",                                 // exponent
      hex + " 1.5",                                 // fraction
      hex + " ",                                    // no number
      hex + " 9223372036854775808",                 // INT64_MAX + 1
      hex + " -9223372036854775809",                // INT64_MIN - 1
      hex + " 99999999999999999999",                // 20 digits, past int64
      hex + " 100000000000000000000",               // 21 digits
      hex.substr(0, 62) + "zz 1700000100",          // not hex
      hex.substr(0, 62) + "g0 1700000100",          // not hex
      hex + " 1700000100 1 " + hex,                 // two records
      hex + " 1700000100\n" + hex + " 1700000100",  // two lines
  };
  for (const std::string& line : bad) {
    Revocation parsed;
    EXPECT_FALSE(ParseRecord(line, parsed)) << '"' << line << '"';
  }
  // The same lines with a good number parse: the refusals above are about the spelling.
  Revocation parsed;
  EXPECT_TRUE(ParseRecord(hex + " 1700000100", parsed));
  EXPECT_EQ(parsed.key, key);
  EXPECT_TRUE(ParseRecord(hex + " 7", parsed));
  EXPECT_EQ(parsed.entry.expires_at, 7);
  EXPECT_TRUE(ParseRecord(hex + " -7", parsed));
  EXPECT_EQ(parsed.entry.expires_at, -7);
}

TEST(RevocationRecordTest, RecordTextIsTheLineWithoutItsNewline) {
  std::string line;
  AppendRecord({KeyN(2), {kNow}}, line);
  EXPECT_EQ(RecordText({KeyN(2), {kNow}}) + "\n", line);
}

}  // namespace
}  // namespace tokenwarden::server::revocation
