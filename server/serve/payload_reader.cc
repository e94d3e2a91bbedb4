#include "server/serve/payload_reader.h"

#include <cstdint>

#include <simdjson.h>

#include "base/json_escape.h"
#include "core/base64url.h"
#include "core/compact.h"
#include "core/policy.h"

namespace tokenwarden::server {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// kMaxDepth bounds nesting like the core (kSimdjsonMaxDepth).
constexpr size_t kMaxDepth = 64;
constexpr size_t kMaxPayloadBytes = 1 << 20;

// Without exceptions simdjson has no conversion operators: these read a value known to have
// the type (checked by the caller), or give an empty one.
std::string_view Str(element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    return {};
  }
  return s;
}
object Obj(element e) {
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    return {};
  }
  return o;
}
simdjson::dom::array Arr(element e) {
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) {
    return {};
  }
  return a;
}

void AppendElement(std::string& out, element e) {
  switch (e.type()) {
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      for (auto field : Obj(e)) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        base::AppendJsonQuoted(field.key, out);
        out.push_back(':');
        AppendElement(out, field.value);
      }
      out.push_back('}');
      return;
    }
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      for (element item : Arr(e)) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        AppendElement(out, item);
      }
      out.push_back(']');
      return;
    }
    case element_type::STRING:
      base::AppendJsonQuoted(Str(e), out);
      return;
    default:
      // Numbers, booleans and null: simdjson's own serializer keeps numbers exact enough
      // (doubles print round-trip; integers as integers).
      out.append(simdjson::minify(e));
      return;
  }
}

bool SpaceListContains(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    const size_t sp = list.find(' ');
    if (list.substr(0, sp) == item) {
      return true;
    }
    if (sp == std::string_view::npos) {
      break;
    }
    list.remove_prefix(sp + 1);
  }
  return false;
}

}  // namespace

struct PayloadReader::Impl {
  // max_capacity: the largest token any issuer may allow (the config caps max_token_bytes at
  // 1 MiB); the buffers grow to it only when such a token arrives.
  simdjson::dom::parser parser{kMaxPayloadBytes};
  std::string decoded;
  object root;
  bool loaded = false;

  Impl() {
    // A failed allocation leaves capacity 0; Parse retries with the document's size.
    if (parser.allocate(kDefaultMaxTokenBytes, kMaxDepth) != simdjson::SUCCESS) {
      return;
    }
  }

  bool Parse(std::string_view json) {
    loaded = false;
    if (json.size() > parser.capacity() && parser.allocate(json.size(), kMaxDepth)) {
      return false;
    }
    element doc;
    if (parser.parse(json.data(), json.size(), true).get(doc) != simdjson::SUCCESS) {
      return false;
    }
    if (doc.get_object().get(root) != simdjson::SUCCESS) {
      return false;
    }
    loaded = true;
    return true;
  }

  bool Find(std::string_view name, element& out) const {
    return loaded && root.at_key(name).get(out) == simdjson::SUCCESS;
  }
};

PayloadReader::PayloadReader() : impl_(std::make_unique<Impl>()) {}
PayloadReader::~PayloadReader() = default;

std::optional<std::string_view> PayloadReader::PeekIssuer(std::string_view token) {
  const std::optional<CompactParts> parts = SplitCompact(token);
  if (!parts.has_value()) {
    return std::nullopt;
  }
  const std::optional<size_t> length = Base64UrlDecodedLength(parts->payload.size());
  if (!length.has_value()) {
    return std::nullopt;
  }
  impl_->decoded.resize(*length);
  if (!Base64UrlDecode(parts->payload, reinterpret_cast<uint8_t*>(impl_->decoded.data())) ||
      !impl_->Parse(impl_->decoded)) {
    return std::nullopt;
  }
  element iss;
  std::string_view value;
  if (!impl_->Find("iss", iss) || iss.get_string().get(value) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return value;
}

bool PayloadReader::Load(std::string_view payload_json) { return impl_->Parse(payload_json); }

void PayloadReader::AppendIntrospectionMembers(std::string& out) const {
  if (!impl_->loaded) {
    return;
  }
  bool has_scope = false;
  bool has_token_type = false;
  for (auto field : impl_->root) {
    if (field.key == "active") {
      continue;
    }
    has_scope |= field.key == "scope";
    has_token_type |= field.key == "token_type";
    out.push_back(',');
    base::AppendJsonQuoted(field.key, out);
    out.push_back(':');
    AppendElement(out, field.value);
  }
  // RFC 7662's scope is a space-separated string: made from `scp` only when that is a string
  // or an array of strings (anything else is the token's own business, kept as `scp`).
  element scp;
  if (!has_scope && impl_->Find("scp", scp)) {
    std::string joined;
    bool usable = scp.is_string();
    if (scp.is_array()) {
      usable = true;
      for (element item : Arr(scp)) {
        usable = usable && item.is_string();
      }
    }
    const std::optional<std::string_view> text = usable ? ClaimText("scp", joined) : std::nullopt;
    if (text.has_value()) {
      out.append(",\"scope\":");
      base::AppendJsonQuoted(*text, out);
    }
  }
  if (!has_token_type) {
    out.append(",\"token_type\":\"Bearer\"");
  }
}

std::optional<std::string_view> PayloadReader::ClaimText(std::string_view name,
                                                         std::string& buffer) const {
  element value;
  if (!impl_->Find(name, value)) {
    return std::nullopt;
  }
  buffer.clear();
  if (value.is_string()) {
    return Str(value);
  }
  if (value.is_array()) {
    bool all_strings = true;
    for (element item : Arr(value)) {
      if (!item.is_string()) {
        all_strings = false;
        break;
      }
      if (!buffer.empty()) {
        buffer.push_back(' ');
      }
      buffer.append(Str(item));
    }
    if (all_strings) {
      return std::string_view(buffer);
    }
    buffer.clear();
  }
  AppendElement(buffer, value);
  return std::string_view(buffer);
}

bool PayloadReader::HasAnyAudience(std::span<const std::string> audiences) const {
  element aud;
  if (!impl_->Find("aud", aud)) {
    return false;
  }
  auto listed = [&](std::string_view value) {
    for (const std::string& a : audiences) {
      if (a == value) {
        return true;
      }
    }
    return false;
  };
  if (aud.is_string()) {
    return listed(Str(aud));
  }
  if (aud.is_array()) {
    for (element item : Arr(aud)) {
      if (item.is_string() && listed(Str(item))) {
        return true;
      }
    }
  }
  return false;
}

bool PayloadReader::HasScope(std::string_view scope) const {
  element value;
  if (impl_->Find("scope", value) && value.is_string() && SpaceListContains(Str(value), scope)) {
    return true;
  }
  if (!impl_->Find("scp", value)) {
    return false;
  }
  if (value.is_string()) {
    return SpaceListContains(Str(value), scope);
  }
  if (value.is_array()) {
    for (element item : Arr(value)) {
      if (item.is_string() && Str(item) == scope) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace tokenwarden::server
