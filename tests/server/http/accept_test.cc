// AcceptWeightOf: RFC 9110 §12.5.1 ranges, their precedence and weights, lists over several
// fields, and the malformed fields it refuses to guess about.

#include "server/http/accept.h"

#include <optional>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/message.h"

namespace tokenwarden::server::http {
namespace {

constexpr std::string_view kJwt = "application/token-introspection+jwt";

std::optional<AcceptWeight> WeightOf(std::vector<std::string_view> accept,
                                     std::string_view type = kJwt) {
  std::vector<HeaderField> fields = {{"Host", "x"}};
  for (std::string_view value : accept) {
    fields.push_back(HeaderField{"accept", value});
  }
  Request request;
  request.headers = fields;
  return AcceptWeightOf(request, type);
}

struct Case {
  std::vector<std::string_view> accept;
  std::optional<AcceptWeight> want;
};

TEST(AcceptTest, RanksRangesByPrecedence) {
  const Case cases[] = {
      {{}, AcceptWeight{1000, false}},
      {{"application/token-introspection+jwt"}, AcceptWeight{1000, true}},
      {{"Application/Token-Introspection+JWT"}, AcceptWeight{1000, true}},
      {{"*/*"}, AcceptWeight{1000, false}},
      {{"application/*;q=0.3"}, AcceptWeight{300, false}},
      {{"text/html"}, AcceptWeight{0, false}},
      {{"application/json"}, AcceptWeight{0, false}},
      // The most specific range decides, wherever it stands.
      {{"application/token-introspection+jwt;q=0.2, */*"}, AcceptWeight{200, true}},
      {{"*/*;q=0.1, application/*;q=0.5"}, AcceptWeight{500, false}},
      {{"*/*", "application/token-introspection+jwt;q=0"}, AcceptWeight{0, true}},
      // Weights: up to three decimals, "1" only as 1.000; Q in any case; spaces around ';'.
      {{"application/token-introspection+jwt ; Q=0.125"}, AcceptWeight{125, true}},
      {{"application/token-introspection+jwt;q=1.000"}, AcceptWeight{1000, true}},
      {{"application/token-introspection+jwt;q=0."}, AcceptWeight{0, true}},
      {{"application/token-introspection+jwt;charset=\"a,b;c\";q=0.5"}, AcceptWeight{500, true}},
      // Empty list elements are allowed.
      {{", ,application/token-introspection+jwt,"}, AcceptWeight{1000, true}},
      // Malformed: refused, not guessed.
      {{"application/token-introspection+jwt;q=1.5"}, std::nullopt},
      {{"application/token-introspection+jwt;q=0.1234"}, std::nullopt},
      {{"application/token-introspection+jwt;q="}, std::nullopt},
      {{"application/token-introspection+jwt;q"}, std::nullopt},
      {{"application"}, std::nullopt},
      {{"*/json"}, std::nullopt},
      {{"application/json;x=\"open"}, std::nullopt},
      {{"text/html", "application/"}, std::nullopt},
  };
  for (const Case& c : cases) {
    std::string label;
    for (std::string_view value : c.accept) {
      label += "[" + std::string(value) + "] ";
    }
    const std::optional<AcceptWeight> got = WeightOf(c.accept);
    ASSERT_EQ(got.has_value(), c.want.has_value()) << label;
    if (got.has_value()) {
      EXPECT_EQ(got->weight, c.want->weight) << label;
      EXPECT_EQ(got->named, c.want->named) << label;
    }
  }
}

TEST(AcceptTest, MatchesOnlyTheAskedType) {
  EXPECT_EQ(
      WeightOf({"application/json;q=0.5, application/token-introspection+jwt"}, "application/json"),
      (AcceptWeight{500, true}));
  EXPECT_EQ(WeightOf({"application/jsonx"}, "application/json"), (AcceptWeight{0, false}));
  EXPECT_EQ(WeightOf({"applicationx/*"}, "application/json"), (AcceptWeight{0, false}));
}

}  // namespace
}  // namespace tokenwarden::server::http
