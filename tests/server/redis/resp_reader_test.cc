// RespReader: RESP2 bytes from Redis into RespValues, in any pieces.
#include "server/redis/resp_reader.h"

#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "server/redis/resp_value.h"

namespace tokenwarden::server::redis {
namespace {

// ReadAll feeds `input` in pieces of `piece` bytes and returns every value.
absl::Status ReadAll(std::string_view input, size_t piece, std::vector<RespValue>& out) {
  RespReader reader;
  for (size_t at = 0; at < input.size(); at += piece) {
    const absl::Status s = reader.Feed(input.substr(at, piece), [&](RespValue v) {
      out.push_back(std::move(v));
      return true;
    });
    if (!s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

TEST(RespReaderTest, ReadsEveryTypeInAnyPieces) {
  const std::string input =
      "+OK\r\n-ERR no\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n"
      "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nrec\r\n";
  for (size_t piece : {size_t{1}, size_t{3}, input.size()}) {
    std::vector<RespValue> values;
    ASSERT_TRUE(ReadAll(input, piece, values).ok()) << piece;
    ASSERT_EQ(values.size(), 6u) << piece;
    EXPECT_TRUE(values[0].IsStatus("OK"));
    EXPECT_TRUE(values[1].is_error());
    EXPECT_EQ(values[1].str, "ERR no");
    EXPECT_EQ(values[2].integer, -42);
    EXPECT_EQ(values[3].str, std::string("he\r\no"));  // binary-safe bulk string
    EXPECT_EQ(values[4].type, RespValue::Type::kNil);
    std::string_view channel;
    std::string_view payload;
    ASSERT_TRUE(AsPubSubMessage(values[5], channel, payload));
    EXPECT_EQ(channel, "ch");
    EXPECT_EQ(payload, "rec");
  }
}

TEST(RespReaderTest, OnlyMessagesArePubSubMessages) {
  std::vector<RespValue> values;
  ASSERT_TRUE(ReadAll("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                      "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n:5\r\n"
                      "*2\r\n$7\r\nmessage\r\n$2\r\nch\r\n",
                      1000, values)
                  .ok());
  ASSERT_EQ(values.size(), 3u);
  std::string_view channel;
  std::string_view payload;
  for (const RespValue& v : values) {
    EXPECT_FALSE(AsPubSubMessage(v, channel, payload));
  }
}

TEST(RespReaderTest, StopsWhenTheConsumerSaysSo) {
  RespReader reader;
  int seen = 0;
  ASSERT_TRUE(reader.Feed("+A\r\n+B\r\n", [&](RespValue) { return ++seen < 1; }).ok());
  EXPECT_EQ(seen, 1);
}

TEST(RespReaderTest, PipelinedRepliesComeOutInOrder) {
  // Many replies in one read (a reconciliation's pipelined EVALs), then a reply split
  // across reads: only whole replies come out, each once, in order.
  RespReader reader;
  std::string input;
  for (int i = 0; i < 1000; ++i) {
    input += ":" + std::to_string(i) + "\r\n";
  }
  std::vector<int64_t> seen;
  auto collect = [&](RespValue v) {
    seen.push_back(v.integer);
    return true;
  };
  ASSERT_TRUE(reader.Feed(input + ":1000\r", collect).ok());
  ASSERT_EQ(seen.size(), 1000u);
  ASSERT_TRUE(reader.Feed("\n*2\r\n:1001\r\n", collect).ok());
  ASSERT_EQ(seen.size(), 1001u);  // the array's second element has not arrived
  ASSERT_TRUE(reader
                  .Feed(":1002\r\n",
                        [&](RespValue v) {
                          EXPECT_EQ(v.type, RespValue::Type::kArray);
                          EXPECT_EQ(v.elements.size(), 2u);
                          seen.push_back(v.elements[1].integer);
                          return true;
                        })
                  .ok());
  ASSERT_EQ(seen.size(), 1002u);
  for (size_t i = 0; i < 1001; ++i) {
    EXPECT_EQ(seen[i], static_cast<int64_t>(i));
  }
  EXPECT_EQ(seen[1001], 1002);
}

TEST(RespReaderTest, WhatTheConsumerDidNotTakeWaitsForTheNextFeed) {
  RespReader reader;
  std::vector<std::string> seen;
  ASSERT_TRUE(reader
                  .Feed("+A\r\n+B\r\n+C\r\n",
                        [&](RespValue v) {
                          seen.push_back(v.str);
                          return false;  // one at a time
                        })
                  .ok());
  ASSERT_EQ(seen, std::vector<std::string>{"A"});
  auto take_all = [&](RespValue v) {
    seen.push_back(v.str);
    return true;
  };
  ASSERT_TRUE(reader.Feed("", take_all).ok());  // nothing new: the buffered replies
  EXPECT_EQ(seen, (std::vector<std::string>{"A", "B", "C"}));
  ASSERT_TRUE(reader.Feed("+D\r\n", take_all).ok());
  EXPECT_EQ(seen.back(), "D");
}

TEST(RespReaderTest, ReadsNestedEmptyAndNilShapes) {
  std::vector<RespValue> values;
  // SCAN's reply (a cursor and a page of keys), an empty page, a nil array, an empty bulk
  // string, and an array holding a nil and an error.
  ASSERT_TRUE(ReadAll("*2\r\n$2\r\n17\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"
                      "*2\r\n$1\r\n0\r\n*0\r\n"
                      "*-1\r\n$0\r\n\r\n*2\r\n$-1\r\n-ERR x\r\n",
                      5, values)
                  .ok());
  ASSERT_EQ(values.size(), 5u);
  ASSERT_EQ(values[0].elements.size(), 2u);
  EXPECT_EQ(values[0].elements[0].str, "17");
  ASSERT_EQ(values[0].elements[1].elements.size(), 2u);
  EXPECT_EQ(values[0].elements[1].elements[1].str, "b");
  EXPECT_EQ(values[1].elements[1].type, RespValue::Type::kArray);
  EXPECT_TRUE(values[1].elements[1].elements.empty());
  EXPECT_EQ(values[2].type, RespValue::Type::kNil);
  EXPECT_EQ(values[3].type, RespValue::Type::kString);
  EXPECT_TRUE(values[3].str.empty());
  EXPECT_EQ(values[4].elements[0].type, RespValue::Type::kNil);
  EXPECT_TRUE(values[4].elements[1].is_error());
  // The deepest nesting allowed still reads.
  std::string deep;
  for (int i = 0; i < RespReader::kMaxDepth; ++i) {
    deep += "*1\r\n";
  }
  values.clear();
  EXPECT_TRUE(ReadAll(deep + ":1\r\n", 100, values).ok());
  EXPECT_EQ(values.size(), 1u);
}

TEST(RespReaderTest, AProtocolErrorIsFinal) {
  RespReader reader;
  std::vector<std::string> seen;
  auto collect = [&](RespValue v) {
    seen.push_back(v.str);
    return true;
  };
  // The replies before the bad byte are delivered; the stream is unusable from there on,
  // even for well-formed bytes (the connection must be dropped, never resynchronised).
  EXPECT_EQ(reader.Feed("+A\r\n+B\r\n!\r\n+C\r\n", collect).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(seen, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(reader.Feed("+D\r\n", collect).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(seen.size(), 2u);
}

TEST(RespReaderTest, RefusesWhatIsNotResp) {
  std::vector<RespValue> values;
  EXPECT_EQ(ReadAll("?what\r\n", 100, values).code(), absl::StatusCode::kDataLoss);
  values.clear();
  EXPECT_EQ(ReadAll("$abc\r\n", 100, values).code(), absl::StatusCode::kDataLoss);
}

TEST(RespReaderTest, BoundsAnUnfinishedReply) {
  RespReader reader;
  const std::string big(RespReader::kMaxBulkBytes, 'x');
  // A whole bulk string at the bound, then a second element that never ends: too much held.
  const absl::Status s =
      reader.Feed("*2\r\n$" + std::to_string(big.size()) + "\r\n" + big + "\r\n$5\r\nab",
                  [](RespValue) { return true; });
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  // A bulk string declared over the bound is refused from its header.
  std::vector<RespValue> values;
  EXPECT_EQ(
      ReadAll("$" + std::to_string(RespReader::kMaxBulkBytes + 1) + "\r\n", 100, values).code(),
      absl::StatusCode::kDataLoss);
}

TEST(RespReaderTest, AnArrayHeaderAllocatesNothingAhead) {
  // The shape the fuzz target found in hiredis 0.14: a few bytes claiming a huge array.
  std::vector<RespValue> values;
  EXPECT_EQ(ReadAll("*377777777\r\n", 100, values).code(), absl::StatusCode::kDataLoss);
  // Within the element bound, the count is believed only as elements arrive.
  RespReader reader;
  EXPECT_TRUE(reader.Feed("*1000000\r\n:1\r\n", [](RespValue) { return true; }).ok());
}

TEST(RespReaderTest, RefusesEveryShapeOutsideItsBounds) {
  for (const std::string& bad : {
           std::string("$-2\r\n"),
           std::string("*-2\r\n"),
           std::string(":12a\r\n"),
           std::string(":99999999999999999999\r\n"),
           std::string("$3\r\nabcd\r\n"),
           std::string("$99999999999\r\n"),
           std::string(":\r\n"),
           std::string("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"),
           "+" + std::string(RespReader::kMaxLineBytes + 8, 'x'),
       }) {
    std::vector<RespValue> values;
    EXPECT_EQ(ReadAll(bad, 7, values).code(), absl::StatusCode::kDataLoss) << bad.substr(0, 40);
  }
}

TEST(RespReaderTest, EncodesCommandsAsArraysOfBulkStrings) {
  const std::string_view argv[] = {"SET", "k", std::string_view("a\r\nb\0", 5)};
  std::string out;
  EncodeCommand(argv, out);
  EXPECT_EQ(out, std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\nb\0\r\n", 31));
  // What we encode, we read back.
  std::vector<RespValue> values;
  ASSERT_TRUE(ReadAll(out, 3, values).ok());
  ASSERT_EQ(values.size(), 1u);
  ASSERT_EQ(values[0].elements.size(), 3u);
  EXPECT_EQ(values[0].elements[2].str, std::string("a\r\nb\0", 5));
}

}  // namespace
}  // namespace tokenwarden::server::redis
