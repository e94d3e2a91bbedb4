#include "server/http/accept.h"

#include <cstddef>
#include <string_view>

#include "base/ascii.h"

namespace tokenwarden::server::http {
namespace {

// Specificity orders the ranges that can match one type: */* < type/* < type/subtype.
enum class Specificity { kNone, kAny, kType, kExact };

// ParseWeight reads a weight (RFC 9110 §12.4.2: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]) in
// thousandths; -1 when `text` is not one.
int ParseWeight(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1') || text.size() > 5 ||
      (text.size() > 1 && text[1] != '.')) {
    return -1;
  }
  int thousandths = 0;
  int scale = 100;
  for (const char c : text.substr(text.size() > 1 ? 2 : 1)) {
    if (!base::IsAsciiDigit(c)) {
      return -1;
    }
    thousandths += (c - '0') * scale;
    scale /= 10;
  }
  if (text[0] == '1') {
    return thousandths == 0 ? 1000 : -1;
  }
  return thousandths;
}

// FindOutsideQuotes returns the index of the first `delimiter` in `text` outside a quoted
// string (RFC 9110 §5.6.4, with its quoted-pairs), text.size() when there is none, or npos
// when a quoted string is left open.
size_t FindOutsideQuotes(std::string_view text, char delimiter) {
  bool quoted = false;
  size_t i = 0;
  for (; i < text.size() && (quoted || text[i] != delimiter); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;  // quoted-pair: the next character is literal
    } else if (text[i] == '"') {
      quoted = !quoted;
    }
  }
  return quoted || i > text.size() ? std::string_view::npos : i;
}

// NextElement cuts the list element at the start of `list` (up to a ',' outside a quoted
// string) and drops it and the comma from `list`; false on an unterminated quote.
bool NextElement(std::string_view& list, std::string_view& element) {
  const size_t end = FindOutsideQuotes(list, ',');
  if (end == std::string_view::npos) {
    return false;
  }
  element = base::StripWhitespace(list.substr(0, end));
  list = end < list.size() ? list.substr(end + 1) : std::string_view();
  return true;
}

// ParamsWeight reads the `;`-separated parameters after a media range and returns the weight
// (1000 without one), or -1 when a parameter is malformed.
int ParamsWeight(std::string_view params) {
  int weight = 1000;
  while (!params.empty()) {
    // Each parameter starts with ';' (the caller leaves it in place).
    params = base::StripWhitespace(params.substr(1));
    const size_t end = FindOutsideQuotes(params, ';');
    if (end == std::string_view::npos) {
      return -1;
    }
    std::string_view param = base::StripWhitespace(params.substr(0, end));
    params = params.substr(end);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos || !IsToken(param.substr(0, eq))) {
      return -1;
    }
    const std::string_view value = param.substr(eq + 1);
    const bool quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
    if (!quoted && !IsToken(value)) {
      return -1;
    }
    if (base::EqualsIgnoreCase(param.substr(0, eq), "q")) {
      weight = ParseWeight(value);
      if (weight < 0) {
        return -1;
      }
    }
  }
  return weight;
}

}  // namespace

std::optional<AcceptWeight> AcceptWeightOf(const Request& request, std::string_view media_type) {
  const std::string_view type = media_type.substr(0, media_type.find('/'));
  const std::string_view subtype = media_type.substr(type.size() + 1);
  AcceptWeight best;
  Specificity best_rank = Specificity::kNone;
  bool any_field = false;
  for (const HeaderField& field : request.headers) {
    if (!base::EqualsIgnoreCase(field.name, "Accept")) {
      continue;
    }
    any_field = true;
    std::string_view list = field.value, element;
    while (!list.empty()) {
      if (!NextElement(list, element)) {
        return std::nullopt;
      }
      if (element.empty()) {
        continue;  // RFC 9110 §5.6.1: empty list elements are allowed and ignored
      }
      const size_t semicolon = FindOutsideQuotes(element, ';');
      const std::string_view range = base::StripWhitespace(element.substr(0, semicolon));
      const size_t slash = range.find('/');
      const std::string_view range_type = range.substr(0, slash);
      const std::string_view range_subtype =
          slash == std::string_view::npos ? std::string_view() : range.substr(slash + 1);
      const int weight = ParamsWeight(element.substr(semicolon));
      if (!IsToken(range_type) || !IsToken(range_subtype) || weight < 0 ||
          (range_type == "*" && range_subtype != "*")) {
        return std::nullopt;
      }
      Specificity rank = Specificity::kNone;
      if (range_type == "*") {
        rank = Specificity::kAny;
      } else if (base::EqualsIgnoreCase(range_type, type)) {
        rank = range_subtype == "*"                             ? Specificity::kType
               : base::EqualsIgnoreCase(range_subtype, subtype) ? Specificity::kExact
                                                                : Specificity::kNone;
      }
      // The most specific range decides; among equally specific ones (a type listed twice)
      // the first, as no rule orders them.
      if (rank > best_rank) {
        best_rank = rank;
        best = AcceptWeight{weight, rank == Specificity::kExact};
      }
    }
  }
  if (!any_field) {
    return AcceptWeight{};
  }
  return best_rank == Specificity::kNone ? AcceptWeight{0, false} : best;
}

}  // namespace tokenwarden::server::http
