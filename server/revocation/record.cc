#include "server/revocation/record.h"

#include <charconv>
#include <system_error>

#include "base/hex.h"

namespace tokenwarden::server::revocation {

namespace {

void AppendNumber(int64_t n, std::string& out) {
  char digits[24];
  const std::to_chars_result r = std::to_chars(digits, digits + sizeof(digits), n);
  out.append(digits, r.ptr);
}

// ParseNumber reads a canonical number — an optional '-', then digits without leading zeros
// ("0" itself is fine), as AppendNumber writes it — so every record has one spelling.
bool ParseNumber(std::string_view number, int64_t& out) {
  const std::string_view digits = number.starts_with('-') ? number.substr(1) : number;
  if (digits.empty() || digits[0] < '0' || digits[0] > '9' ||
      (digits[0] == '0' && (digits.size() > 1 || number.size() > 1))) {
    return false;
  }
  const char* end = number.data() + number.size();
  const std::from_chars_result r = std::from_chars(number.data(), end, out);
  return r.ec == std::errc() && r.ptr == end;
}

}  // namespace

void AppendRecord(const Revocation& revocation, std::string& out) {
  base::AppendHex(revocation.key, out);
  out.push_back(' ');
  AppendNumber(revocation.entry.expires_at, out);
  if (revocation.entry.issued_until != Denylist::kAnyTime) {
    out.push_back(' ');
    AppendNumber(revocation.entry.issued_until, out);
  }
  out.push_back('\n');
}

std::string RecordText(const Revocation& revocation) {
  std::string record;
  AppendRecord(revocation, record);
  record.pop_back();  // the '\n'
  return record;
}

bool ParseRecord(std::string_view line, Revocation& out) {
  if (line.size() < 66 || line.size() > kMaxRecordLen || line[64] != ' ') {
    return false;
  }
  if (!base::DecodeLowerHex(line.substr(0, 2 * out.key.size()), out.key)) {
    return false;
  }
  std::string_view numbers = line.substr(65);
  const size_t space = numbers.find(' ');
  if (!ParseNumber(numbers.substr(0, space), out.entry.expires_at)) {
    return false;
  }
  out.entry.issued_until = Denylist::kAnyTime;
  if (space == std::string_view::npos) {
    return true;
  }
  return ParseNumber(numbers.substr(space + 1), out.entry.issued_until) &&
         out.entry.issued_until != Denylist::kAnyTime;
}

}  // namespace tokenwarden::server::revocation
