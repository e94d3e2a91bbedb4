#include "server/cli/explain.h"

#include <optional>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/str_cat.h"
#include "core/rejection.h"

namespace tokenwarden::server::cli {
namespace {

void AppendTime(std::string& out, std::string_view name, const std::optional<double>& value,
                int64_t now) {
  if (!value.has_value()) {
    return;
  }
  absl::StrAppendFormat(&out, "  %-10s %s  %s\n", name, FormatUnixTime(*value),
                        FormatRelative(*value - static_cast<double>(now)));
}

// ClaimTime returns the NumericDate a time check looked at, if any.
std::optional<double> ClaimTime(const VerifiedToken& token, std::string_view check) {
  if (!token.claims_parsed) {
    return std::nullopt;
  }
  const Claims& c = token.claims;
  if (check == "exp") {
    return c.exp;
  }
  if (check == "nbf") {
    return c.nbf;
  }
  if (check == "iat") {
    return c.iat;
  }
  if (check == "auth_time") {
    return c.auth_time;
  }
  return std::nullopt;
}

std::string_view Mark(const ExplainTrace::Entry& e) {
  if (!e.applied) {
    return "skip";
  }
  return e.result == Error::kOk ? " ok " : "FAIL";
}

}  // namespace

void ExplainTrace::OnCheck(std::string_view check, bool applied, Error result,
                           std::string_view detail) {
  entries_.push_back(Entry{std::string(check), applied, result, std::string(detail)});
}

std::string FormatExplain(Error result, const VerifiedToken& token, const ExplainTrace& trace,
                          const Policy& policy, const KeySet& keys, int64_t now) {
  std::string out;
  if (result == Error::kOk) {
    base::StrAppend(&out, "VALID: the token passed every check.\n");
  } else {
    base::StrAppend(&out, "INVALID (", ErrorCode(result),
                    "): ", DescribeRejection(result, token, policy, now), "\n");
  }
  base::StrAppend(&out, "\nEvaluated at ", FormatUnixTime(static_cast<double>(now)), " UTC (--now ",
                  now, ").\n");
  base::StrAppend(&out, "\nChecks, in order:\n");
  for (const ExplainTrace::Entry& e : trace.entries()) {
    std::string line = absl::StrFormat("  [%s] %-10s %s", Mark(e), e.check, e.detail);
    const std::optional<double> when = ClaimTime(token, e.check);
    if (e.applied && when.has_value()) {
      base::StrAppend(&line, " (", e.check, " ", FormatUnixTime(*when), ", ",
                      FormatRelative(*when - static_cast<double>(now)), ")");
    }
    if (e.applied && e.result != Error::kOk) {
      base::StrAppend(&line, "  -> ", ErrorCode(e.result));
    }
    base::StrAppend(&out, line, "\n");
  }
  if (token.key != nullptr) {
    base::StrAppend(&out, "\nVerified with the ", token.key->Describe(), ".\n");
  }
  base::StrAppend(&out, "\nAllowed algorithms: ", policy.algorithms.ToString(), "\n");
  base::StrAppend(&out, "Keys loaded: ", keys.keys().size(), "\n");
  for (const std::string& skipped : keys.skipped()) {
    base::StrAppend(&out, "  skipped ", skipped, "\n");
  }
  if (!token.header_json.empty()) {
    base::StrAppend(&out, "\nHeader:\n  ", token.header_json, "\n");
  }
  if (token.claims_parsed || !token.payload_json.empty()) {
    base::StrAppend(&out, "\nClaims:\n  ", token.payload_json, "\n");
  }
  if (token.claims_parsed) {
    std::string times;
    AppendTime(times, "exp", token.claims.exp, now);
    AppendTime(times, "nbf", token.claims.nbf, now);
    AppendTime(times, "iat", token.claims.iat, now);
    AppendTime(times, "auth_time", token.claims.auth_time, now);
    if (!times.empty()) {
      base::StrAppend(&out, "\nTimes (UTC):\n", times);
    }
    if (token.claims.exp.has_value()) {
      const double left = *token.claims.exp - static_cast<double>(now);
      base::StrAppend(&out, left > 0 ? "  expires " : "  expired ", FormatRelative(left), "\n");
    }
  }
  return out;
}

}  // namespace tokenwarden::server::cli
