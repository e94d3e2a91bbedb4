#include "core/issuer_set.h"

#include <algorithm>
#include <utility>

#include <absl/status/status.h>

#include "core/issuer_match.h"

namespace tokenwarden {

IssuerSetScratch::IssuerSetScratch(const IssuerSet& set) {
  scratches_.reserve(set.size());
  for (size_t i = 0; i < set.size(); ++i) {
    scratches_.push_back(
        std::make_unique<ValidatorScratch>(*set.entry(static_cast<int>(i)).validator));
  }
}

uint64_t IssuerSetScratch::payload_reads() const {
  uint64_t reads = parsed_.payload_reads();
  for (const auto& s : scratches_) {
    reads += s->payload_reads();
  }
  return reads;
}

IssuerSet::IssuerSet(std::vector<IssuerEntry> entries) : entries_(std::move(entries)) {
  for (const IssuerEntry& e : entries_) {
    max_token_bytes_ = std::max(max_token_bytes_, e.validator->policy().max_token_bytes);
  }
}

absl::StatusOr<IssuerSet> IssuerSet::Create(std::vector<IssuerEntry> entries) {
  if (entries.empty()) {
    return absl::InvalidArgumentError("an issuer set needs at least one issuer");
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].validator == nullptr || entries[i].issuer.empty()) {
      return absl::InvalidArgumentError("every issuer needs an identifier and a validator");
    }
    for (size_t j = 0; j < i; ++j) {
      if (entries[j].issuer == entries[i].issuer) {
        return absl::InvalidArgumentError("issuer identifiers must be distinct");
      }
    }
  }
  return IssuerSet(std::move(entries));
}

int IssuerSet::Find(std::string_view iss, const Claims& claims) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].issuer == iss || IssuerMatches(entries_[i].validator->policy(), iss, claims)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

IssuerSet::Routing IssuerSet::Route(std::string_view token, IssuerSetScratch& scratch,
                                    bool parse) const {
  Routing routing;
  routing.token = token;
  if (entries_.size() == 1 && !parse) {
    routing.issuer = 0;
    return routing;
  }
  scratch.parsed_.Parse(token, max_token_bytes_);
  routing.parsed = &scratch.parsed_;
  if (entries_.size() == 1) {
    routing.issuer = 0;
    return routing;
  }
  return ByIss(routing);
}

IssuerSet::Routing IssuerSet::ByIss(const Routing& parsed_routing) const {
  Routing routing = parsed_routing;
  routing.issuer = -1;
  routing.error = Error::kOk;
  routing.detail = {};
  const ParsedToken& parsed = *routing.parsed;
  if (parsed.early_error() == Error::kTokenTooLarge) {
    routing.error = Error::kTokenTooLarge;
    routing.detail = parsed.early_detail();
  } else if (!parsed.claims_parsed()) {
    // Not even the payload could be read (structure, base64url, JSON): say why, rather than
    // blame an issuer the token never named.
    routing.error = Error::kMalformed;
    routing.detail =
        parsed.claims_detail().empty() ? parsed.early_detail() : parsed.claims_detail();
  } else {
    const std::optional<std::string_view>& iss = parsed.claims().iss;
    routing.issuer = iss.has_value() ? Find(*iss, parsed.claims()) : -1;
    if (routing.issuer < 0) {
      routing.error = Error::kInvalidIssuer;
      routing.detail =
          iss.has_value() ? "iss names no trusted issuer" : "the token has no iss claim";
    }
  }
  return routing;
}

bool IssuerSet::Disowns(const Routing& routing, const ValidationResult& result) const {
  // With several issuers Route already chose by `iss`; on a cache hit `iss` was vouched for.
  if (entries_.size() != 1 || routing.issuer != 0 || result.parsed == nullptr ||
      !result.parsed->claims_parsed()) {
    return false;
  }
  // The same rule as Route's: the identifier, an alias or the tenant template (Find).
  const Claims& claims = result.parsed->claims();
  return !claims.iss.has_value() || Find(*claims.iss, claims) != 0;
}

std::optional<Validator::Revocation> IssuerSet::RevocationFor(const Routing& routing, int64_t now,
                                                              IssuerSetScratch& scratch) const {
  const Validator& validator = *entry(routing.issuer).validator;
  ValidatorScratch& s = scratch.scratch(routing.issuer);
  if (routing.parsed != nullptr) {
    return validator.RevocationFor(*routing.parsed, now, s);
  }
  return validator.RevocationFor(routing.token, now, s);
}

Error IssuerSet::Validate(const Routing& routing, int64_t now, IssuerSetScratch& scratch,
                          ValidationResult& out, const Requirements& requirements) const {
  const Validator& validator = *entry(routing.issuer).validator;
  ValidatorScratch& s = scratch.scratch(routing.issuer);
  if (routing.parsed != nullptr) {
    return validator.Validate(*routing.parsed, now, s, out, requirements);
  }
  return validator.Validate(routing.token, now, s, out, requirements);
}

}  // namespace tokenwarden
