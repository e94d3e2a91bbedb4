#include "core/validator.h"

#include <array>
#include <limits>
#include <utility>

#include "base/str_cat.h"
#include "core/clock.h"
#include "core/internal/claims_record.h"

namespace tokenwarden {
namespace {

TimeClaims TimesOf(const Claims& c) { return TimeClaims{c.exp, c.nbf, c.iat, c.auth_time}; }

// ExpiresAt is how long a revocation must last: until the token would be rejected as expired
// anyway (exp + leeway), for ever without exp.
int64_t ExpiresAt(const std::optional<double>& exp, double leeway) {
  constexpr auto kForever = std::numeric_limits<int64_t>::max();
  if (!exp.has_value() || *exp + leeway >= 9.2e18) {
    return kForever;
  }
  return WholeSeconds(*exp + leeway) + 1;
}

// KeyStillFits reports whether the key with fingerprint `key`, which verified a cached token
// under an older key set, is the first key `keys` would try for that token now. Verifying
// afresh would then accept the token with that same key (same material, algorithms, kid and
// issuer member), so the cached verdict stands. Otherwise — the key is gone, or another
// candidate comes first and might verify too — the token is verified afresh.
bool KeyStillFits(const KeySet& keys, const Header& header, const KeyFingerprint& key) {
  std::array<const Key*, 1> first;
  return keys.Select(header.alg, header.kid, first) == 1 && keys.fingerprint(*first[0]) == key;
}

}  // namespace

// HitState is what a cache hit restores into: copies of the entry's texts (the entry may be
// freed the moment the lookup ends) and the arrays the typed claims view into. Also the
// record buffer a miss writes before inserting. No allocation once the strings have grown.
struct ValidatorScratch::HitState {
  // texts holds the entry's header JSON, payload JSON and claims record, copied at once.
  std::string texts;
  std::string record;
  internal::ClaimsStorage storage;
};

ValidatorScratch::ValidatorScratch(const Validator& validator)
    : hit_(std::make_unique<HitState>()) {
  if (validator.cache_ != nullptr) {
    cache_reader_.emplace(*validator.cache_);
  }
}

ValidatorScratch::~ValidatorScratch() = default;

Validator::Validator(Policy policy, std::shared_ptr<const ValidatorSnapshot> first,
                     ValidatorOptions options)
    : policy_(std::move(policy)),
      published_(std::move(first)),
      cache_(options.cache ? std::make_unique<TokenCache>(options.cache_options) : nullptr),
      denylist_(options.denylist != nullptr
                    ? std::move(options.denylist)
                    : std::make_shared<Denylist>(options.denylist_capacity)) {}

absl::StatusOr<std::unique_ptr<Validator>> Validator::Create(Policy policy,
                                                             std::shared_ptr<const KeySet> keys,
                                                             ValidatorOptions options) {
  absl::StatusOr<Verifier> verifier = Verifier::Create(policy, std::move(keys));
  if (!verifier.ok()) {
    return verifier.status();
  }
  auto first = std::make_shared<const ValidatorSnapshot>(
      ValidatorSnapshot{*std::move(verifier), /*generation=*/1});
  return std::unique_ptr<Validator>(
      new Validator(std::move(policy), std::move(first), std::move(options)));
}

absl::Status Validator::UpdateKeys(const std::shared_ptr<const KeySet>& keys) {
  absl::StatusOr<Verifier> verifier = Verifier::Create(policy_, keys);
  if (!verifier.ok()) {
    return verifier.status();
  }
  uint64_t generation;
  {
    base::MutexLock lock(&update_mu_);
    generation = next_generation_++;
    published_.Publish(std::make_shared<const ValidatorSnapshot>(
        ValidatorSnapshot{*std::move(verifier), generation}));
  }
  if (cache_ != nullptr) {
    // Entries of keys still in the set keep serving (ValidateCached checks that their key
    // still fits each token); those of removed keys go now.
    cache_->EvictKeysNotHeld(*keys);
  }
  return absl::OkStatus();
}

Error Validator::ValidateCached(std::string_view token, uint64_t hash, double now,
                                const ValidatorSnapshot& snap, ValidatorScratch& scratch,
                                ValidationResult& out, bool& hit) const {
  Error result = Error::kOk;
  ValidatorScratch::HitState& h = *scratch.hit_;
  uint64_t generation = 0;
  KeyFingerprint key{};
  size_t header_len = 0, payload_len = 0;
  hit = cache_->Lookup(token, hash, *scratch.cache_reader_, [&](const CachedToken& c) {
    out.times = TimeClaims{c.exp, c.nbf, c.iat, c.auth_time};
    result = RecheckTimes(snap.verifier.policy(), out.times, now, out.detail);
    if (result == Error::kOk && denylist_->Contains(c.deny_key, WholeSeconds(now))) {
      result = Error::kRevoked;
      out.detail = "the token is on the revocation denylist";
    }
    // Attribute revocations (a logged-out session, a subject, a client) on a hit as on a
    // miss: the cache holds the token, not whether its session still stands. Its attribute
    // keys were hashed once, when it was cached.
    if (result == Error::kOk) {
      result = CheckAttributeRevocations(*denylist_, c.attribute_keys, c.iat, WholeSeconds(now),
                                         out.detail);
    }
    generation = c.generation;
    key = c.key;
    h.texts.assign(c.texts);
    header_len = c.header_json.size();
    payload_len = c.payload_json.size();
  });
  if (!hit) {
    return result;
  }
  VerifiedToken& t = out.token;
  const std::string_view texts = h.texts;
  const std::string_view header_json = texts.substr(0, header_len);
  const std::string_view payload_json = texts.substr(header_len, payload_len);
  const std::string_view record = texts.substr(header_len + payload_len);
  if (!internal::ReadClaimsRecord(record, header_json, payload_json, t.header, t.claims,
                                  h.storage) ||
      (generation != snap.generation && !KeyStillFits(snap.verifier.keys(), t.header, key))) {
    hit = false;  // a corrupt record cannot happen (records are ours); verify afresh
    out.detail = {};
    return Error::kOk;
  }
  out.cache_hit = true;
  t.key = nullptr;
  t.signing_input = {};
  t.header_json = out.header_json = header_json;
  t.payload_json = out.payload_json = payload_json;
  t.header_parsed = t.claims_parsed = true;
  t.detail = out.detail;
  return result;
}

void Validator::Remember(std::string_view token, uint64_t hash, const ValidatorSnapshot& snap,
                         const ValidationResult& out, const Denylist::Key& key,
                         const Denylist::AttributeKeys& attributes, ValidatorScratch& scratch,
                         int64_t now) const {
  std::string& record = scratch.hit_->record;
  internal::WriteClaimsRecord(out.token.header, out.token.claims, out.header_json, out.payload_json,
                              record);
  CachedToken facts;
  facts.generation = snap.generation;
  facts.key = snap.verifier.keys().fingerprint(*out.token.key);
  facts.header_json = out.header_json;
  facts.payload_json = out.payload_json;
  facts.record = record;
  facts.exp = out.times.exp;
  facts.nbf = out.times.nbf;
  facts.iat = out.times.iat;
  facts.auth_time = out.times.auth_time;
  facts.deny_key = key;
  facts.attribute_keys = attributes;
  cache_->Insert(token, hash, facts, now);
}

Error Validator::Validate(std::string_view token, double now, ValidatorScratch& scratch,
                          ValidationResult& out, const Requirements& requirements) const {
  return Run(token, nullptr, now, scratch, out, requirements);
}

Error Validator::Validate(const ParsedToken& parsed, double now, ValidatorScratch& scratch,
                          ValidationResult& out, const Requirements& requirements) const {
  return Run(parsed.token(), &parsed, now, scratch, out, requirements);
}

Error Validator::Run(std::string_view token, const ParsedToken* parsed, double now,
                     ValidatorScratch& scratch, ValidationResult& out,
                     const Requirements& requirements) const {
  out.cache_hit = false;
  out.detail = {};
  out.parsed = nullptr;
  const ValidatorSnapshot& snap = *scratch.reader_.Get(published_);
  const Policy& policy = snap.verifier.policy();
  // A request's requirements come last, on a hit as on a miss: the cache holds what is true
  // of the token, never what one route asked of it.
  const auto finish = [&](Error error) {
    if (error == Error::kOk && !requirements.empty()) {
      error = CheckRequirements(requirements, policy, out.token.claims, out.detail);
      out.token.detail = out.detail;
    }
    return error;
  };
  uint64_t hash = 0;
  const bool cacheable = cache_ != nullptr && token.size() <= policy.max_token_bytes;
  if (cacheable) {
    hash = cache_->Hash(token);
    bool hit = false;
    const Error cached = ValidateCached(token, hash, now, snap, scratch, out, hit);
    if (hit) {
      return finish(cached);
    }
  }
  if (parsed == nullptr) {
    scratch.verify_.parsed().Parse(token, policy.max_token_bytes);
    parsed = &scratch.verify_.parsed();
  }
  out.parsed = parsed;
  const Error error = snap.verifier.Verify(*parsed, now, out.token);
  out.header_json = out.token.header_json;
  out.payload_json = out.token.payload_json;
  out.times = TimesOf(out.token.claims);
  out.detail = out.token.detail;
  if (error != Error::kOk) {
    return error;
  }
  // The revocation digests cost a SHA-256 each; skip them while nothing is revoked and nothing
  // will be cached.
  const std::string_view iss = out.token.claims.iss.value_or("");
  Denylist::AttributeKeys attributes;
  if (denylist_->attribute_entries() != 0 || cacheable) {
    attributes = Denylist::AttributeKeysFor(iss, out.token.claims);
  }
  if (!denylist_->empty() || cacheable) {
    const Denylist::Key key =
        Denylist::KeyFor(out.token.claims.iss, out.token.claims.jti, out.token.signing_input);
    if (denylist_->Contains(key, WholeSeconds(now))) {
      out.detail = "the token is on the revocation denylist";
      return Error::kRevoked;
    }
    if (cacheable) {
      Remember(token, hash, snap, out, key, attributes, scratch, WholeSeconds(now));
    }
  }
  // Cached even when revoked by attribute: the token is good, its session may not be, and
  // every hit asks again.
  const Error by_attribute = CheckAttributeRevocations(*denylist_, attributes, out.token.claims.iat,
                                                       WholeSeconds(now), out.detail);
  out.token.detail = out.detail;
  return finish(by_attribute);
}

absl::Status Validator::Revoke(const Denylist::Key& key, int64_t expires_at, int64_t now,
                               int64_t issued_until) {
  return denylist_->Add(key, expires_at, now, issued_until).status();
}

void Validator::Purge(int64_t now) {
  if (cache_ != nullptr) {
    cache_->Purge(now);
  }
  denylist_->Purge(now);
}

std::optional<Validator::Revocation> Validator::RevocationFor(std::string_view token, int64_t now,
                                                              ValidatorScratch& scratch) const {
  const ValidatorSnapshot& snap = *scratch.reader_.Get(published_);
  scratch.verify_.parsed().Parse(token, snap.verifier.policy().max_token_bytes);
  return RevocationFor(scratch.verify_.parsed(), now, scratch);
}

std::optional<Validator::Revocation> Validator::RevocationFor(const ParsedToken& parsed,
                                                              int64_t now,
                                                              ValidatorScratch& scratch) const {
  const ValidatorSnapshot& snap = *scratch.reader_.Get(published_);
  VerifiedToken verified;
  (void)snap.verifier.Verify(parsed, now, verified);
  if (verified.key == nullptr || !verified.claims_parsed) {
    return std::nullopt;
  }
  return Revocation{
      Denylist::KeyFor(verified.claims.iss, verified.claims.jti, verified.signing_input),
      ExpiresAt(verified.claims.exp, snap.verifier.policy().leeway_seconds)};
}

absl::StatusOr<bool> Validator::RevokeToken(std::string_view token, int64_t now,
                                            ValidatorScratch& scratch) {
  const std::optional<Revocation> revocation = RevocationFor(token, now, scratch);
  if (!revocation.has_value()) {
    return false;
  }
  absl::Status status = denylist_->Add(revocation->key, revocation->expires_at, now).status();
  if (!status.ok()) {
    return status;
  }
  return true;
}

}  // namespace tokenwarden
