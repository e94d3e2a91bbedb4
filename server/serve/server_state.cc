#include "server/serve/server_state.h"

#include <utility>

#include "base/str_cat.h"
#include "server/serve/request_possession.h"
#include "server/serve/signed_introspection.h"

namespace tokenwarden::server {

absl::StatusOr<std::shared_ptr<const ServerState>> ServerState::Build(
    ServerConfig config, std::shared_ptr<Denylist> denylist, int64_t now,
    std::vector<std::string>& warnings, LiveIssuers* live) {
  std::shared_ptr<ServerState> state(new ServerState());
  state->config_ = std::move(config);
  state->offers_bearer_ = BearerAcceptedAnywhere(state->config_);
  state->offers_dpop_ = DpopAcceptedAnywhere(state->config_);
  ValidatorOptions options;
  options.cache = state->config_.cache.enabled;
  options.cache_options.max_entries = state->config_.cache.max_entries;
  options.cache_options.max_bytes = state->config_.cache.max_bytes;
  options.denylist = std::move(denylist);
  for (size_t i = 0; i < state->config_.issuers.size(); ++i) {
    const IssuerConfig& issuer = state->config_.issuers[i];
    const bool file_keys = issuer.key_source == IssuerConfig::KeySource::kFile;
    if (file_keys && !issuer.policy.algorithms.empty() &&
        issuer.policy.algorithms.Intersect(issuer.keys->algorithms()).empty()) {
      warnings.push_back(base::StrCat(
          "issuers[", i, "]: no key of ", issuer.jwks_file, " serves the algorithms ",
          issuer.policy.algorithms.ToString(), ": every token of this issuer will be rejected"));
    }
    // A remote issuer's Validator starts with the empty set; its key source fills it. An
    // issuer without keys keeps the empty set: it routes tokens, and never vouches for one.
    absl::StatusOr<std::unique_ptr<Validator>> validator =
        Validator::Create(issuer.policy, file_keys ? issuer.keys : KeySet::Empty(), options);
    if (!validator.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("issuers[", i, "]: ", validator.status().message()));
    }
    IssuerRuntime runtime{&issuer, *std::move(validator), now, nullptr};
    if (issuer.remote_keys() || issuer.introspection.has_value()) {
      if (live == nullptr) {
        return absl::FailedPreconditionError(
            base::StrCat("issuers[", i, "]: live issuers need the server's fetch threads"));
      }
      absl::StatusOr<std::shared_ptr<LiveIssuer>> acquired = live->Acquire(issuer);
      if (!acquired.ok()) {
        return absl::InvalidArgumentError(
            base::StrCat("issuers[", i, "]: ", acquired.status().message()));
      }
      runtime.live = *std::move(acquired);
      if (runtime.live->has_key_source()) {
        runtime.live->Attach(runtime.validator);
      }
    }
    state->issuers_.push_back(std::move(runtime));
  }
  std::vector<IssuerEntry> entries;
  for (const IssuerRuntime& runtime : state->issuers_) {
    entries.push_back(IssuerEntry{*runtime.config->policy.issuer, runtime.validator});
  }
  absl::StatusOr<IssuerSet> set = IssuerSet::Create(std::move(entries));
  if (!set.ok()) {
    return set.status();
  }
  state->issuer_set_.emplace(*std::move(set));
  state->clients_ = std::make_unique<ClientRegistry>(state->config_.clients);
  SigningWarnings(state->config_, warnings);
  return std::shared_ptr<const ServerState>(std::move(state));
}

std::vector<std::shared_ptr<LiveIssuer>> ServerState::LiveIssuersInUse() const {
  std::vector<std::shared_ptr<LiveIssuer>> out;
  for (const IssuerRuntime& issuer : issuers_) {
    if (issuer.live != nullptr) {
      out.push_back(issuer.live);
    }
  }
  return out;
}

void StateHolder::Publish(std::shared_ptr<const ServerState> state) {
  base::MutexLock lock(&mu_);
  state_ = std::move(state);
  version_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const ServerState> StateHolder::Current() const {
  base::MutexLock lock(&mu_);
  return state_;
}

}  // namespace tokenwarden::server
