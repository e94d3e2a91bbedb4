// File: server/redis/resp_value.h
// -----------------------------------------------------------------------------
// RespValue is one Redis reply (RESP2), as resp_reader.h parses it.
#ifndef TOKENWARDEN_SERVER_REDIS_RESP_VALUE_H_
#define TOKENWARDEN_SERVER_REDIS_RESP_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tokenwarden::server::redis {

struct RespValue {
  enum class Type { kString, kStatus, kError, kInteger, kNil, kArray };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RespValue> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  // IsStatus tells whether this is the status reply `text` (e.g. "OK").
  bool IsStatus(std::string_view text) const { return type == Type::kStatus && str == text; }
};

}  // namespace tokenwarden::server::redis

#endif  // TOKENWARDEN_SERVER_REDIS_RESP_VALUE_H_
