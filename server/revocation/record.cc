#include "server/revocation/record.h"

#include <charconv>
#include <system_error>

#include "base/hex.h"

namespace tokenwarden::server::revocation {

void AppendRecord(const Denylist::Key& key, int64_t expires_at, std::string& out) {
  base::AppendHex(key, out);
  out.push_back(' ');
  char digits[24];
  const std::to_chars_result r = std::to_chars(digits, digits + sizeof(digits), expires_at);
  out.append(digits, r.ptr);
  out.push_back('\n');
}

std::string RecordText(const Denylist::Key& key, int64_t expires_at) {
  std::string record;
  AppendRecord(key, expires_at, record);
  record.pop_back();  // the '\n'
  return record;
}

// The number is canonical — an optional '-', then digits without leading zeros ("0" itself is
// fine), as AppendRecord writes it — so every record has one spelling.
bool ParseRecord(std::string_view line, Denylist::Key& key, int64_t& expires_at) {
  if (line.size() < 66 || line.size() > kMaxRecordLen || line[64] != ' ') {
    return false;
  }
  if (!base::DecodeLowerHex(line.substr(0, 2 * key.size()), key)) {
    return false;
  }
  const std::string_view number = line.substr(65);
  const std::string_view digits = number.starts_with('-') ? number.substr(1) : number;
  if (digits.empty() || digits[0] < '0' || digits[0] > '9' ||
      (digits[0] == '0' && (digits.size() > 1 || number.size() > 1))) {
    return false;
  }
  const char* end = number.data() + number.size();
  const std::from_chars_result r = std::from_chars(number.data(), end, expires_at);
  return r.ec == std::errc() && r.ptr == end;
}

}  // namespace tokenwarden::server::revocation
