#include "core/rejection.h"

#include <cmath>
#include <string_view>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/time/time.h>

#include "base/json_escape.h"
#include "base/str_cat.h"
#include "base/utf8.h"

namespace tokenwarden {
namespace {

constexpr size_t kMaxQuoted = 64;
// kMaxListed bounds how many values of a list (aud, the expected audiences) a message names.
constexpr size_t kMaxListed = 4;

// Quote renders a claim or configured value for a message: cut after kMaxQuoted bytes (on a
// character boundary, so the message stays valid UTF-8 and JSON), in double quotes, with
// quotes, backslashes, control characters and DEL escaped as in JSON (\u00XX): a message
// reaches terminals, logs and HTTP headers, where a raw control character could forge a line
// or hide text.
std::string Quote(std::string_view value) {
  const std::string_view shown = base::Utf8Prefix(value, kMaxQuoted);
  std::string out;
  base::AppendJsonQuoted(shown, out, {.short_forms = false, .escape_delete = true});
  if (shown.size() < value.size()) {
    out.insert(out.size() - 1, "...");
  }
  return out;
}

// QuoteList renders `values` as ["a", "b", ...]: at most kMaxListed of them, each quoted,
// then how many more there are.
template <typename List>
std::string QuoteList(const List& values) {
  std::string out = "[";
  size_t shown = 0;
  for (const auto& value : values) {
    if (shown == kMaxListed) {
      base::StrAppend(&out, ", and ", values.size() - kMaxListed, " more");
      break;
    }
    base::StrAppend(&out, shown == 0 ? "" : ", ", Quote(value));
    ++shown;
  }
  out += "]";
  return out;
}

// AudienceDetail names what the audience rules saw: the token's aud (its client_id when the
// policy compares that instead, or azp when the OIDC azp rule failed) and the expected values.
std::string AudienceDetail(const Claims& c, const Policy& p) {
  const std::string expected = base::StrCat(", expected one of ", QuoteList(p.audiences));
  if (!c.has_aud && p.client_id_audience) {
    // Cognito-style access tokens: without aud, client_id is what was compared.
    return c.client_id.has_value()
               ? base::StrCat("no aud; client_id ", Quote(*c.client_id), expected)
               : base::StrCat("neither aud nor client_id", expected);
  }
  if (!c.has_aud) {
    return base::StrCat("no aud claim", expected);
  }
  if (!c.HasAnyAudience(p.audiences) || !c.azp.has_value()) {
    return base::StrCat("aud ", QuoteList(c.aud), expected);
  }
  return base::StrCat("azp ", Quote(*c.azp), " (the client id)", expected);
}

std::string TimeAndRelative(double when, double now) {
  return base::StrCat(FormatUnixTime(when), " (", FormatRelative(when - now), ")");
}

std::string Detail(Error error, const VerifiedToken& t, const Policy& p, double now) {
  const Claims& c = t.claims;
  // %g: a whole leeway prints as "30", a fractional one (from a binding) as "1.5".
  const std::string leeway = absl::StrFormat("%g", p.leeway_seconds);
  switch (error) {
    case Error::kExpired:
      if (c.exp.has_value()) {
        return base::StrCat("exp ", TimeAndRelative(*c.exp, now), ", leeway ", leeway, " s");
      }
      break;
    case Error::kNotYetValid:
      if (c.nbf.has_value() && now < *c.nbf - p.leeway_seconds) {
        return base::StrCat("nbf ", TimeAndRelative(*c.nbf, now), ", leeway ", leeway, " s");
      }
      if (c.iat.has_value()) {
        return base::StrCat("iat ", TimeAndRelative(*c.iat, now), " is in the future, leeway ",
                            leeway, " s");
      }
      break;
    case Error::kTooOld:
      if (c.auth_time.has_value() && p.max_age_seconds.has_value()) {
        return base::StrCat("auth_time ", TimeAndRelative(*c.auth_time, now), ", max age ",
                            *p.max_age_seconds, " s");
      }
      break;
    case Error::kInvalidIssuer:
      if (p.issuer.has_value()) {
        return c.iss.has_value()
                   ? base::StrCat("iss ", Quote(*c.iss), ", expected ", Quote(*p.issuer))
                   : base::StrCat("no iss claim, expected ", Quote(*p.issuer));
      }
      break;
    case Error::kInvalidAudience:
      if (t.claims_parsed && !p.audiences.empty()) {
        return AudienceDetail(c, p);
      }
      break;
    case Error::kInvalidType:
      if (p.type.has_value()) {
        return t.header.typ.has_value()
                   ? base::StrCat("typ ", Quote(*t.header.typ), ", expected ", Quote(*p.type))
                   : base::StrCat("no typ header, expected ", Quote(*p.type));
      }
      break;
    case Error::kAlgorithmNotAllowed:
      if (t.header_parsed) {
        return base::StrCat("alg ", AlgorithmName(t.header.alg), ", allowed ",
                            p.algorithms.ToString());
      }
      break;
    case Error::kKeyNotFound:
      if (t.header_parsed) {
        return t.header.kid.has_value() ? base::StrCat("kid ", Quote(*t.header.kid), ", alg ",
                                                       AlgorithmName(t.header.alg))
                                        : base::StrCat("no kid, alg ", AlgorithmName(t.header.alg));
      }
      break;
    case Error::kMissingClaim:
      for (const std::string& name : p.required_claims) {
        if (t.claims_parsed && !c.Has(name)) {
          return base::StrCat("claim ", Quote(name), " is required");
        }
      }
      break;
    case Error::kInsufficientScope:
      for (const std::string& scope : p.required_scopes) {
        bool granted = false;
        for (std::string_view s : c.scopes) {
          granted = granted || s == scope;
        }
        if (!granted) {
          return base::StrCat("scope ", Quote(scope), " is not granted");
        }
      }
      break;
    default:
      break;
  }
  return std::string(t.detail);
}

}  // namespace

std::string FormatUnixTime(double seconds) {
  // absl::Time covers far more than any date a person would read; beyond +-1e11 s (year
  // 5000) print the number rather than a meaningless calendar date.
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e11) {
    return absl::StrFormat("%g", seconds);
  }
  // Whole seconds and the fraction apart: seconds * 1e9 overflows int64 past the year 2262.
  const double whole = std::floor(seconds);
  const absl::Time t = absl::FromUnixSeconds(static_cast<int64_t>(whole)) +
                       absl::Nanoseconds(static_cast<int64_t>((seconds - whole) * 1e9));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string FormatRelative(double seconds_from_now) {
  const double magnitude = std::fabs(seconds_from_now);
  if (magnitude < 1) {
    return "now";
  }
  std::string amount;
  if (magnitude < 120) {
    amount = absl::StrFormat("%.0f s", magnitude);
  } else if (magnitude < 2 * 3600) {
    amount = absl::StrFormat("%.0f min", magnitude / 60);
  } else if (magnitude < 2 * 86400) {
    amount = absl::StrFormat("%.0f h", magnitude / 3600);
  } else if (magnitude < 1e11) {
    amount = absl::StrFormat("%.0f d", magnitude / 86400);
  } else {
    amount = "a very long time";
  }
  return seconds_from_now < 0 ? base::StrCat(amount, " ago") : base::StrCat("in ", amount);
}

std::string DescribeRejection(Error error, const VerifiedToken& token, const Policy& policy,
                              double now) {
  const std::string detail = Detail(error, token, policy, now);
  if (detail.empty()) {
    return std::string(ErrorSummary(error));
  }
  return base::StrCat(ErrorSummary(error), ": ", detail);
}

}  // namespace tokenwarden
