// An upstream's RFC 7662 answer on arbitrary bytes: the introspection-response parser, and the
// core's claims reader that then reads the same answer (ClaimsJson, the reader every token
// payload goes through). Differential: the claims reader's strict JSON must agree with
// simdjson's (configured like the engine's, 64 levels deep): what simdjson parses is never a
// syntax error to us, and what simdjson refuses is refused too, except numbers simdjson cannot
// hold (integers beyond 64 bits, 1e400: NUMBER_ERROR in simdjson 3.0), which are valid JSON we
// keep as text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <simdjson.h>

#include "core/claims_json.h"
#include "core/internal/claims_reader.h"
#include "core/internal/jose_json.h"
#include "server/upstream/introspection_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tokenwarden::server::upstream::ParseIntrospectionResponse(text);

  static tokenwarden::ClaimsJson* reader = new tokenwarden::ClaimsJson;
  static simdjson::dom::parser* parser = [] {
    auto* p = new simdjson::dom::parser;
    if (p->allocate(1 << 16, tokenwarden::internal::kSimdjsonMaxDepth) != simdjson::SUCCESS) {
      std::abort();
    }
    return p;
  }();
  const tokenwarden::Error ours = reader->Read(text);
  const bool syntax_error = ours != tokenwarden::Error::kOk &&
                            reader->detail() == tokenwarden::internal::kJsonSyntaxDetail;
  simdjson::dom::element root;
  const simdjson::error_code theirs = parser->parse(text.data(), text.size()).get(root);
  if (theirs == simdjson::SUCCESS && syntax_error) {
    std::abort();  // valid JSON called invalid
  }
  if (theirs != simdjson::SUCCESS && theirs != simdjson::NUMBER_ERROR &&
      theirs != simdjson::CAPACITY && ours == tokenwarden::Error::kOk) {
    std::abort();  // invalid JSON accepted
  }
  if (theirs == simdjson::SUCCESS && ours == tokenwarden::Error::kOk) {
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS ||
        object.size() != reader->claims().members.size()) {
      std::abort();  // an accepted claims set is an object with the same members
    }
  }
  return 0;
}
