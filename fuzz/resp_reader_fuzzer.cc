// What a Redis server (or anything answering on its address) sends: RESP2 bytes through the
// reader (framing, every bound: counts, lengths, nesting, the buffer) in two reads split where the
// first byte says, then every value the way the scale-out code consumes it: as a Pub/Sub
// message carrying a revocation record, and as a stored record (the SCAN/MGET load).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/denylist.h"
#include "server/redis/resp_reader.h"
#include "server/redis/resp_value.h"
#include "server/revocation/record.h"

namespace {

using tokenwarden::server::redis::RespValue;

void Consume(const RespValue& value) {
  tokenwarden::server::revocation::Revocation revocation;
  std::string_view channel;
  std::string_view message;
  if (tokenwarden::server::redis::AsPubSubMessage(value, channel, message)) {
    (void)tokenwarden::server::revocation::ParseRecord(message, revocation);
  }
  if (value.type == RespValue::Type::kString) {
    (void)tokenwarden::server::revocation::ParseRecord(value.str, revocation);
  }
  for (const RespValue& element : value.elements) {
    Consume(element);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t split = data[0] % (input.size() + 1);
  tokenwarden::server::redis::RespReader reader;
  const auto on_value = [](RespValue value) {
    Consume(value);
    return true;
  };
  if (reader.Feed(input.substr(0, split), on_value).ok()) {
    (void)reader.Feed(input.substr(split), on_value);
  }
  return 0;
}
