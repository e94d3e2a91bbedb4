#include "core/policy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include <absl/strings/ascii.h>
#include <openssl/mem.h>

#include "base/ascii.h"
#include "base/base64url.h"
#include "core/internal/claims_reader.h"
#include "core/issuer_match.h"
#include "core/signature.h"

namespace tokenwarden {

using base::AsciiLower;
using base::EqualsIgnoreCase;
namespace {

constexpr std::string_view kApplicationPrefix = "application/";

std::string_view StripApplication(std::string_view typ) {
  if (typ.size() >= kApplicationPrefix.size() &&
      EqualsIgnoreCase(typ.substr(0, kApplicationPrefix.size()), kApplicationPrefix)) {
    typ.remove_prefix(kApplicationPrefix.size());
  }
  return typ;
}

bool TypeMatches(std::string_view got, std::string_view want) {
  return EqualsIgnoreCase(StripApplication(got), StripApplication(want));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Checker records check outcomes: the first failure wins; with a trace every check is
// reported and evaluation goes on, without one the caller stops at the first failure.
class Checker {
 public:
  Checker(Trace* trace, std::string_view& detail) : trace_(trace), detail_(detail) {}

  // Record reports a check that applied; returns true when the caller must stop now.
  bool Record(std::string_view check, Error result, std::string_view why) {
    if (trace_ != nullptr) {
      trace_->OnCheck(check, true, result, why);
    }
    if (result != Error::kOk && first_ == Error::kOk) {
      first_ = result;
      detail_ = why;
    }
    return result != Error::kOk && trace_ == nullptr;
  }

  // Skip reports a check the policy does not ask for.
  void Skip(std::string_view check, std::string_view why) {
    if (trace_ != nullptr) {
      trace_->OnCheck(check, false, Error::kOk, why);
    }
  }

  Error first() const { return first_; }

 private:
  Trace* trace_;
  std::string_view& detail_;
  Error first_ = Error::kOk;
};

struct Outcome {
  Error error;
  std::string_view why;
};

// CheckAudience is the one audience rule: the issuer's policy and a request's requirements
// both use it. With client_id_audience, a token without `aud` is judged by its client_id.
Outcome CheckAudience(std::span<const std::string> audiences, const Policy& policy,
                      const Claims& claims) {
  if (!claims.has_aud && policy.client_id_audience) {
    if (!claims.client_id.has_value()) {
      return {Error::kInvalidAudience, "the token has neither aud nor client_id"};
    }
    if (std::find(audiences.begin(), audiences.end(), *claims.client_id) != audiences.end()) {
      return {Error::kOk, "no aud; client_id is an expected audience"};
    }
    return {Error::kInvalidAudience, "no aud, and client_id is none of the expected audiences"};
  }
  if (!claims.has_aud) {
    return {Error::kInvalidAudience, "the token has no aud claim"};
  }
  if (claims.HasAnyAudience(audiences)) {
    return {Error::kOk, "aud contains an expected audience"};
  }
  return {Error::kInvalidAudience, "aud contains none of the expected audiences"};
}

// Grants: `scope` or `scp` grants `scope`, or one of the policy's scope_claims does.
bool Grants(const Policy& policy, const Claims& claims, std::string_view scope) {
  if (claims.HasScope(scope)) {
    return true;
  }
  for (const std::string& name : policy.scope_claims) {
    const std::optional<std::string_view> value = claims.Find(name);
    if (value.has_value() && internal::ListGrants(*value, scope)) {
      return true;
    }
  }
  return false;
}

// CheckScopes is the one scope rule (every scope granted by `scope` or `scp`, string or
// array, or by a scope claim of the policy); the issuer's policy and a request's
// requirements both use it.
bool CheckScopes(std::span<const std::string> scopes, const Policy& policy, const Claims& claims,
                 Checker& c) {
  for (const std::string& scope : scopes) {
    if (c.Record("scope", Grants(policy, claims, scope) ? Error::kOk : Error::kInsufficientScope,
                 "every required scope must be granted by scope or scp")) {
      return true;
    }
  }
  return false;
}

// CheckTypeClaims: each of the policy's type claims is present and a string equal to one of
// its values.
bool CheckTypeClaims(const Policy& policy, const Claims& claims, Checker& c) {
  for (const Policy::TypeClaim& rule : policy.type_claims) {
    const std::optional<std::string_view> value = claims.Find(rule.claim);
    Error result = Error::kMissingClaim;
    std::string_view why = "a claim stating the token's type is absent";
    if (value.has_value()) {
      std::string buffer;
      const bool is_string = value->starts_with('"');
      const std::string_view text =
          is_string ? internal::UnescapeJsonString(*value, buffer) : std::string_view();
      const bool listed =
          is_string && std::find(rule.values.begin(), rule.values.end(), text) != rule.values.end();
      result = listed ? Error::kOk : Error::kInvalidType;
      why = listed ? "the token's type claim has an accepted value"
                   : "the token's type claim says it is another kind of token";
    }
    if (c.Record("type_claim", result, why)) {
      return true;
    }
  }
  return false;
}

// OIDC Core §3.1.3.7 items 4 and 5.
Outcome CheckAzp(const Policy& policy, const Claims& claims) {
  if (!claims.azp.has_value()) {
    if (claims.aud.size() > 1) {
      return {Error::kMissingClaim, "azp is required when aud has several values"};
    }
    return {Error::kOk, "no azp and a single audience"};
  }
  if (policy.audiences.empty()) {
    return {Error::kOk, "azp present; no expected audience to compare with"};
  }
  for (const std::string& want : policy.audiences) {
    if (*claims.azp == want) {
      return {Error::kOk, "azp is an expected audience"};
    }
  }
  return {Error::kInvalidAudience, "azp is not an expected audience (the client id)"};
}

Outcome CheckAtHash(const Policy& policy, const Header& header, const Claims& claims) {
  uint8_t want[32];
  const size_t want_len = HashLeftHalf(header.alg, *policy.access_token, want);
  uint8_t got[32];
  const std::string_view encoded = *claims.at_hash;
  if (base::Base64UrlDecodedLength(encoded.size()) != want_len ||
      !base::Base64UrlDecode(encoded, got) || CRYPTO_memcmp(got, want, want_len) != 0) {
    return {Error::kInvalidAtHash, "at_hash does not match the access token"};
  }
  return {Error::kOk, "at_hash matches the access token"};
}

// The time predicates, shared by CheckClaims and RecheckTimes so a cache hit can never
// judge a token differently from a full validation. Each is the negation of its "must hold"
// rule, so a comparison with NaN (a caller's `now` gone wrong) fails the token.
bool IsExpired(double exp, double now, double leeway) { return !(now < exp + leeway); }
bool IsBeforeNbf(double nbf, double now, double leeway) { return !(now >= nbf - leeway); }
bool IsIssuedInFuture(double iat, double now, double leeway) { return !(iat <= now + leeway); }
bool IsTooOld(double auth_time, double now, double max_age, double leeway) {
  return !(now <= auth_time + max_age + leeway);
}

// CheckTimes applies exp, nbf and iat. Comparisons are in doubles: NumericDates may be
// fractional, and a huge value (1e300) is simply far away.
bool CheckTimes(const Policy& policy, const Claims& claims, double now, Checker& c) {
  const double leeway = policy.leeway_seconds;
  if (!claims.exp.has_value() || !policy.check_exp) {
    if (!claims.exp.has_value() && policy.require_exp) {
      if (c.Record("exp", Error::kMissingClaim, "the token has no exp claim")) {
        return true;
      }
    } else {
      c.Skip("exp", claims.exp.has_value() ? "exp is not checked by this policy"
                                           : "no exp claim, and the policy allows that");
    }
  } else if (c.Record("exp", IsExpired(*claims.exp, now, leeway) ? Error::kExpired : Error::kOk,
                      "must hold: now < exp + leeway")) {
    return true;
  }
  if (!claims.nbf.has_value() || !policy.check_nbf) {
    c.Skip("nbf", claims.nbf.has_value() ? "nbf is not checked by this policy" : "no nbf claim");
  } else if (c.Record("nbf",
                      IsBeforeNbf(*claims.nbf, now, leeway) ? Error::kNotYetValid : Error::kOk,
                      "must hold: now >= nbf - leeway")) {
    return true;
  }
  if (!claims.iat.has_value() || !policy.check_iat) {
    c.Skip("iat", claims.iat.has_value() ? "iat is not checked by this policy" : "no iat claim");
  } else if (c.Record("iat",
                      IsIssuedInFuture(*claims.iat, now, leeway) ? Error::kNotYetValid : Error::kOk,
                      "must hold: iat <= now + leeway")) {
    return true;
  }
  return false;
}

// CheckIssuerAndAudience applies iss and aud. `iss_optional`: an absent iss passes (an
// introspection answer, RFC 7662 §2.2); a present one must still match.
bool CheckIssuerAndAudience(const Policy& policy, const Claims& claims, bool iss_optional,
                            Checker& c) {
  if (!policy.issuer.has_value()) {
    c.Skip("iss", "no issuer required");
  } else if (iss_optional && !claims.iss.has_value()) {
    c.Skip("iss", "no iss member: the issuer's own endpoint answered");
  } else if (c.Record("iss",
                      claims.iss.has_value() && IssuerMatches(policy, *claims.iss, claims)
                          ? Error::kOk
                          : Error::kInvalidIssuer,
                      "iss must equal the expected issuer exactly")) {
    return true;
  }
  if (policy.audiences.empty()) {
    c.Skip("aud", "no audience required");
  } else {
    const Outcome o = CheckAudience(policy.audiences, policy, claims);
    if (c.Record("aud", o.error, o.why)) {
      return true;
    }
  }
  return false;
}

// CheckIdentity applies typ, iss and aud.
bool CheckIdentity(const Policy& policy, const Header& header, const Claims& claims, Checker& c) {
  if (!policy.type.has_value()) {
    c.Skip("typ", "no type required");
  } else if (c.Record("typ",
                      header.typ.has_value() && TypeMatches(*header.typ, *policy.type)
                          ? Error::kOk
                          : Error::kInvalidType,
                      "typ must equal the required type")) {
    return true;
  }
  return CheckIssuerAndAudience(policy, claims, /*iss_optional=*/false, c);
}

// CheckRequiredClaims applies required_claims.
bool CheckRequiredClaims(const Policy& policy, const Claims& claims, Checker& c) {
  for (const std::string& name : policy.required_claims) {
    if (c.Record("required", claims.Has(name) ? Error::kOk : Error::kMissingClaim,
                 "every required claim must be present")) {
      return true;
    }
  }
  return false;
}

// CheckOidc applies nonce, azp, at_hash and max_age.
bool CheckOidc(const Policy& policy, const Header& header, const Claims& claims, double now,
               Checker& c) {
  if (!policy.nonce.has_value()) {
    c.Skip("nonce", "no nonce required");
  } else if (!claims.nonce.has_value()) {
    if (c.Record("nonce", Error::kMissingClaim, "the token has no nonce claim")) {
      return true;
    }
  } else if (c.Record("nonce",
                      ConstantTimeEquals(*claims.nonce, *policy.nonce) ? Error::kOk
                                                                       : Error::kInvalidNonce,
                      "nonce must equal the expected nonce")) {
    return true;
  }
  if (!policy.id_token) {
    c.Skip("azp", "not an ID-token policy");
  } else {
    const Outcome o = CheckAzp(policy, claims);
    if (c.Record("azp", o.error, o.why)) {
      return true;
    }
  }
  if (!policy.access_token.has_value() || !claims.at_hash.has_value()) {
    c.Skip("at_hash", policy.access_token.has_value() ? "the token has no at_hash claim"
                                                      : "no access token to compare with");
  } else {
    const Outcome o = CheckAtHash(policy, header, claims);
    if (c.Record("at_hash", o.error, o.why)) {
      return true;
    }
  }
  if (!policy.max_age_seconds.has_value()) {
    c.Skip("auth_time", "no max age required");
  } else if (!claims.auth_time.has_value()) {
    if (c.Record("auth_time", Error::kMissingClaim, "the token has no auth_time claim")) {
      return true;
    }
  } else {
    const bool too_old =
        IsTooOld(*claims.auth_time, now, static_cast<double>(*policy.max_age_seconds),
                 policy.leeway_seconds);
    if (c.Record("auth_time", too_old ? Error::kTooOld : Error::kOk,
                 "must hold: now <= auth_time + max_age + leeway")) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status ValidatePolicy(const Policy& policy) {
  // Written so that NaN fails too: every time rule would silently pass with a NaN leeway.
  if (!(policy.leeway_seconds >= 0) || !std::isfinite(policy.leeway_seconds)) {
    return absl::InvalidArgumentError("leeway must be a finite, non-negative number of seconds");
  }
  if (policy.max_age_seconds.has_value() && *policy.max_age_seconds < 0) {
    return absl::InvalidArgumentError("max age must not be negative");
  }
  if (policy.issuer.has_value() && policy.issuer->empty()) {
    return absl::InvalidArgumentError("issuer must not be empty");
  }
  const bool template_issuer = policy.issuer.has_value() && IsTenantTemplate(*policy.issuer);
  if (policy.issuer.has_value() && !template_issuer &&
      policy.issuer->find(kTenantPlaceholder) != std::string::npos) {
    return absl::InvalidArgumentError("issuer may hold {tenantid} once at most");
  }
  if (!policy.tenants.empty() && !template_issuer) {
    return absl::InvalidArgumentError("tenants apply only to an issuer with {tenantid}");
  }
  for (const std::string& alias : policy.issuer_aliases) {
    if (alias.empty() || alias.find(kTenantPlaceholder) != std::string::npos) {
      return absl::InvalidArgumentError("an issuer alias must be a non-empty exact issuer");
    }
  }
  for (const Policy::TypeClaim& rule : policy.type_claims) {
    if (rule.claim.empty() || rule.values.empty()) {
      return absl::InvalidArgumentError("a type claim rule needs a claim and values");
    }
  }
  if (policy.client_id_audience && policy.audiences.empty()) {
    return absl::InvalidArgumentError("client_id_audience needs audiences to compare with");
  }
  for (const std::string& aud : policy.audiences) {
    if (aud.empty()) {
      return absl::InvalidArgumentError("audience must not be empty");
    }
  }
  if (policy.max_token_bytes == 0) {
    return absl::InvalidArgumentError("max token size must be positive");
  }
  return absl::OkStatus();
}

std::string NormalizeType(std::string_view typ) {
  std::string out(StripApplication(typ));
  for (char& c : out) {
    c = absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  return out;
}

Error RecheckTimes(const Policy& policy, const TimeClaims& t, double now,
                   std::string_view& detail) {
  const double leeway = policy.leeway_seconds;
  if (policy.check_exp && t.exp.has_value() && IsExpired(*t.exp, now, leeway)) {
    detail = "must hold: now < exp + leeway";
    return Error::kExpired;
  }
  if (policy.check_nbf && t.nbf.has_value() && IsBeforeNbf(*t.nbf, now, leeway)) {
    detail = "must hold: now >= nbf - leeway";
    return Error::kNotYetValid;
  }
  if (policy.check_iat && t.iat.has_value() && IsIssuedInFuture(*t.iat, now, leeway)) {
    detail = "must hold: iat <= now + leeway";
    return Error::kNotYetValid;
  }
  if (policy.max_age_seconds.has_value() && t.auth_time.has_value() &&
      IsTooOld(*t.auth_time, now, static_cast<double>(*policy.max_age_seconds), leeway)) {
    detail = "must hold: now <= auth_time + max_age + leeway";
    return Error::kTooOld;
  }
  return Error::kOk;
}

Error CheckClaims(const Policy& policy, const Header& header, const Claims& claims, double now,
                  Trace* trace, std::string_view& detail) {
  Checker c(trace, detail);
  if (CheckIdentity(policy, header, claims, c) || CheckTimes(policy, claims, now, c) ||
      CheckRequiredClaims(policy, claims, c) || CheckTypeClaims(policy, claims, c) ||
      CheckOidc(policy, header, claims, now, c)) {
    return c.first();
  }
  CheckScopes(policy.required_scopes, policy, claims, c);
  return c.first();
}

Error CheckIntrospectedClaims(const Policy& policy, const Claims& claims, int64_t now,
                              std::string_view& detail) {
  // The order of CheckClaims, less the header and ID-token rules: one policy, one verdict,
  // whichever way the token's claims reached us. Type claims are payload claims, so they hold
  // here too (Keycloak's introspection answers a refresh token with "typ": "Refresh").
  Checker c(nullptr, detail);
  if (CheckIssuerAndAudience(policy, claims, /*iss_optional=*/true, c) ||
      CheckTimes(policy, claims, static_cast<double>(now), c) ||
      CheckRequiredClaims(policy, claims, c) || CheckTypeClaims(policy, claims, c)) {
    return c.first();
  }
  CheckScopes(policy.required_scopes, policy, claims, c);
  return c.first();
}

Error CheckRequirements(const Requirements& requirements, const Policy& policy,
                        const Claims& claims, std::string_view& detail) {
  if (requirements.possession != nullptr) {
    if (const Error error = CheckPossession(*requirements.possession, claims, detail);
        error != Error::kOk) {
      return error;
    }
  }
  Checker c(nullptr, detail);
  if (!requirements.audiences.empty()) {
    const Outcome o = CheckAudience(requirements.audiences, policy, claims);
    if (c.Record("aud", o.error, o.why)) {
      return c.first();
    }
  }
  CheckScopes(requirements.scopes, policy, claims, c);
  return c.first();
}

}  // namespace tokenwarden
