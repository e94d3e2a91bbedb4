#include "server/redis/resp_reader.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <absl/status/status.h>

#include "base/str_cat.h"
#include "server/redis/resp_value.h"

namespace tokenwarden::server::redis {
namespace {

enum class Step { kDone, kMore, kBad };

// ParseInteger reads RESP's decimal integer: an optional '-', then 1 to 19 digits, no
// overflow, nothing else.
bool ParseInteger(std::string_view text, int64_t& out) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) {
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 19) {
    return false;
  }
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > static_cast<uint64_t>(INT64_MAX)) {
    return false;
  }
  out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return true;
}

// Parser reads one value from `in` at `pos`, advancing `pos` past it on kDone.
struct Parser {
  std::string_view in;
  size_t pos = 0;
  std::string error;

  Step Fail(std::string_view why) {
    error = std::string(why);
    return Step::kBad;
  }

  // Line reads the rest of the current line (after the type byte) up to CRLF.
  Step Line(std::string_view& line) {
    const size_t end = in.find("\r\n", pos);
    if (end == std::string_view::npos) {
      return in.size() - pos > RespReader::kMaxLineBytes ? Fail("a line exceeds 64 KiB")
                                                         : Step::kMore;
    }
    if (end - pos > RespReader::kMaxLineBytes) {
      return Fail("a line exceeds 64 KiB");
    }
    line = in.substr(pos, end - pos);
    pos = end + 2;
    return Step::kDone;
  }

  Step Value(RespValue& out, int depth) {
    if (pos >= in.size()) {
      return Step::kMore;
    }
    const char type = in[pos++];
    std::string_view line;
    const Step read = Line(line);
    if (read != Step::kDone) {
      return read;
    }
    switch (type) {
      case '+':
        out.type = RespValue::Type::kStatus;
        out.str.assign(line);
        return Step::kDone;
      case '-':
        out.type = RespValue::Type::kError;
        out.str.assign(line);
        return Step::kDone;
      case ':':
        out.type = RespValue::Type::kInteger;
        return ParseInteger(line, out.integer) ? Step::kDone : Fail("a bad integer");
      case '$':
        return Bulk(line, out);
      case '*':
        return Array(line, out, depth);
      default:
        return Fail("an unknown type byte");
    }
  }

  // Length reads the length line of a bulk string or an array into `n`: -1 is nil (`nil` is
  // set), anything else negative, malformed or over `max` fails.
  Step Length(std::string_view line, uint64_t max, std::string_view what, size_t& n, bool& nil) {
    int64_t value = 0;
    if (!ParseInteger(line, value) || value < -1) {
      return Fail(base::StrCat("a bad ", what, " length"));
    }
    nil = value == -1;
    if (nil) {
      return Step::kDone;
    }
    if (static_cast<uint64_t>(value) > max) {
      return Fail(base::StrCat("a ", what, " over its bound"));
    }
    n = static_cast<size_t>(value);
    return Step::kDone;
  }

  Step Bulk(std::string_view line, RespValue& out) {
    size_t size = 0;
    bool nil = false;
    const Step length = Length(line, RespReader::kMaxBulkBytes, "bulk string", size, nil);
    if (length != Step::kDone || nil) {
      return length;  // a nil reply is out's default type
    }
    if (in.size() - pos < size + 2) {
      return Step::kMore;
    }
    if (in.substr(pos + size, 2) != "\r\n") {
      return Fail("a bulk string not ended by CRLF");
    }
    out.type = RespValue::Type::kString;
    out.str.assign(in.substr(pos, size));
    pos += size + 2;
    return Step::kDone;
  }

  Step Array(std::string_view line, RespValue& out, int depth) {
    size_t count = 0;
    bool nil = false;
    const Step length = Length(line, RespReader::kMaxElements, "array", count, nil);
    if (length != Step::kDone || nil) {
      return length;  // a nil reply is out's default type
    }
    if (depth >= RespReader::kMaxDepth) {
      return Fail("arrays nest too deep");
    }
    out.type = RespValue::Type::kArray;
    // Each element takes at least 3 bytes: reserve no more than the input can hold.
    out.elements.reserve(std::min<size_t>(count, (in.size() - pos) / 3));
    for (size_t i = 0; i < count; ++i) {
      out.elements.emplace_back();
      const Step step = Value(out.elements.back(), depth + 1);
      if (step != Step::kDone) {
        return step;
      }
    }
    return Step::kDone;
  }
};

}  // namespace

absl::Status RespReader::Feed(std::string_view data,
                              const std::function<bool(RespValue)>& on_value) {
  if (!failed_.empty()) {
    return absl::DataLossError(failed_);
  }
  buffer_.append(data);
  size_t consumed = 0;
  absl::Status status = absl::OkStatus();
  while (consumed < buffer_.size()) {
    Parser parser;
    parser.in = std::string_view(buffer_).substr(consumed);
    RespValue value;
    const Step step = parser.Value(value, 0);
    if (step == Step::kMore) {
      break;
    }
    if (step == Step::kBad) {
      failed_ = base::StrCat("Redis protocol error: ", parser.error);
      status = absl::DataLossError(failed_);
      break;
    }
    consumed += parser.pos;
    if (!on_value(std::move(value))) {
      break;
    }
  }
  buffer_.erase(0, consumed);
  if (status.ok() && buffer_.size() > kMaxBufferedBytes) {
    failed_ = "a Redis reply exceeds 8 MiB";
    status = absl::ResourceExhaustedError(failed_);
  }
  return status;
}

void EncodeCommand(std::span<const std::string_view> argv, std::string& out) {
  base::StrAppend(&out, "*", argv.size(), "\r\n");
  for (const std::string_view arg : argv) {
    base::StrAppend(&out, "$", arg.size(), "\r\n", arg, "\r\n");
  }
}

bool AsPubSubMessage(const RespValue& value, std::string_view& channel, std::string_view& payload) {
  if (value.type != RespValue::Type::kArray || value.elements.size() != 3 ||
      value.elements[0].type != RespValue::Type::kString || value.elements[0].str != "message" ||
      value.elements[1].type != RespValue::Type::kString ||
      value.elements[2].type != RespValue::Type::kString) {
    return false;
  }
  channel = value.elements[1].str;
  payload = value.elements[2].str;
  return true;
}

}  // namespace tokenwarden::server::redis
