// Accept negotiation (server/http/accept.h) on any Accept fields a caller of /introspect can
// send: the input is split at '\n' into one field value each. Besides memory errors, it
// checks what the route relies on: a weight is within 0..1000, `named` only for a weight a
// range naming the type itself gave, and several fields read exactly as one field holding
// them joined by commas (RFC 9110 §5.3), whenever every field can be read alone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/accept.h"
#include "server/http/message.h"

namespace {

using tokenwarden::server::http::AcceptWeight;
using tokenwarden::server::http::AcceptWeightOf;
using tokenwarden::server::http::HeaderField;
using tokenwarden::server::http::Request;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

std::optional<AcceptWeight> WeightOf(const std::vector<std::string_view>& values,
                                     std::string_view type) {
  std::vector<HeaderField> fields;
  for (const std::string_view value : values) {
    fields.push_back(HeaderField{"Accept", value});
  }
  Request request;
  request.headers = fields;
  return AcceptWeightOf(request, type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> values;
  std::string joined;
  size_t start = 0;
  while (start <= input.size()) {
    const size_t end = std::min(input.find('\n', start), input.size());
    values.push_back(input.substr(start, end - start));
    joined.append(values.size() > 1 ? ", " : "").append(values.back());
    start = end + 1;
  }
  bool each_readable = true;
  for (const std::string_view value : values) {
    each_readable = each_readable && WeightOf({value}, "application/json").has_value();
  }
  for (const std::string_view type : {"application/token-introspection+jwt", "application/json"}) {
    const std::optional<AcceptWeight> weight = WeightOf(values, type);
    if (weight.has_value()) {
      Check(weight->weight >= 0 && weight->weight <= 1000);
    }
    if (each_readable) {
      const std::optional<AcceptWeight> as_one = WeightOf({joined}, type);
      Check(weight.has_value() && as_one.has_value() && *weight == *as_one);
    }
  }
  return 0;
}
