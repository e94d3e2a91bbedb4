// File: server/revocation/record.h
// -----------------------------------------------------------------------------
// The record of one revocation, as the durable log stores it (one per line, revocation_log.h)
// and as instances tell each other through Redis (revocation_sync.h):
//   <64 lowercase hex digits: Denylist key> <expires_at>                  one token
//   <64 lowercase hex digits: Denylist key> <expires_at> <issued_until>   an attribute's
// with canonical decimal Unix seconds. Every record has exactly one spelling, so what is
// parsed and written back is byte for byte what was read (a one-token record never carries
// issued_until; an attribute record never carries Denylist::kAnyTime).
#ifndef TOKENWARDEN_SERVER_REVOCATION_RECORD_H_
#define TOKENWARDEN_SERVER_REVOCATION_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/denylist.h"

namespace tokenwarden::server::revocation {

// Revocation is one revocation: the denylist key and its entry.
struct Revocation {
  Denylist::Key key{};
  Denylist::Entry entry;
  bool operator==(const Revocation&) const = default;
};

// kMaxRecordLen bounds a record: 64 hex digits and two numbers of at most 20 characters.
inline constexpr size_t kMaxRecordLen = 64 + 2 * (1 + 20);

// AppendRecord appends the record and a '\n' to `out`.
void AppendRecord(const Revocation& revocation, std::string& out);
// RecordText is the record alone, without the '\n' (a Redis value or message).
std::string RecordText(const Revocation& revocation);
// ParseRecord reads one record (without the '\n') and refuses any other spelling.
bool ParseRecord(std::string_view line, Revocation& out);

}  // namespace tokenwarden::server::revocation

#endif  // TOKENWARDEN_SERVER_REVOCATION_RECORD_H_
