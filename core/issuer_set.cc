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
  routing.too_large = scratch.parsed_.early_error() == Error::kTokenTooLarge;
  const std::optional<std::string_view>& iss = scratch.parsed_.claims().iss;
  if (entries_.size() == 1) {
    routing.issuer = 0;
  } else if (scratch.parsed_.claims_parsed() && iss.has_value()) {
    routing.issuer = Find(*iss, scratch.parsed_.claims());
  }
  return routing;
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
