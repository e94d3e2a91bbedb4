#ifndef TOKENWARDEN_SERVER_JSON_TEXT_H_
#define TOKENWARDEN_SERVER_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace tokenwarden::server {

// AppendJsonString appends `value` to `out` as a JSON string literal (RFC 8259 §7), quotes
// included. Control characters are escaped; bytes >= 0x80 are copied (callers pass UTF-8).
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_JSON_TEXT_H_
