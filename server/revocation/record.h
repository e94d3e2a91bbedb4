// File: server/revocation/record.h
// -----------------------------------------------------------------------------
// The record of one revocation, as the durable log stores it (one per line, revocation_log.h)
// and as instances tell each other through Redis (revocation_sync.h):
//   <64 lowercase hex digits: Denylist key> <expires_at: canonical decimal Unix seconds>
// Every record has exactly one spelling, so what is parsed and written back is byte for byte
// what was read.
#ifndef TOKENWARDEN_SERVER_REVOCATION_RECORD_H_
#define TOKENWARDEN_SERVER_REVOCATION_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/denylist.h"

namespace tokenwarden::server::revocation {

// kMaxRecordLen bounds a record: 64 hex digits, a space and at most 20 characters of int64.
inline constexpr size_t kMaxRecordLen = 64 + 1 + 20;

// AppendRecord appends the record and a '\n' to `out`.
void AppendRecord(const Denylist::Key& key, int64_t expires_at, std::string& out);
// RecordText is the record alone, without the '\n' (a Redis value or message).
std::string RecordText(const Denylist::Key& key, int64_t expires_at);
// ParseRecord reads one record (without the '\n') and refuses any other spelling.
bool ParseRecord(std::string_view line, Denylist::Key& key, int64_t& expires_at);

}  // namespace tokenwarden::server::revocation

#endif  // TOKENWARDEN_SERVER_REVOCATION_RECORD_H_
