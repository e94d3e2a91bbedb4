// File: server/serve/server_state.h
// -----------------------------------------------------------------------------
// ServerState is everything a request needs that a reload (SIGHUP) may change: the
// configuration, one Validator per issuer (policy, key set, verified-token cache) and the
// client registry. It is immutable once built; a reload builds a whole new one and publishes
// it with StateHolder, so a request never sees half of an old and half of a new
// configuration. The revocation denylist is not part of it: it is shared by every state, so
// revocations survive reloads.
#ifndef TOKENWARDEN_SERVER_SERVE_SERVER_STATE_H_
#define TOKENWARDEN_SERVER_SERVE_SERVER_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <absl/base/thread_annotations.h>
#include <absl/status/statusor.h>

#include "base/mutex.h"
#include "core/denylist.h"
#include "core/issuer_set.h"
#include "core/validator.h"
#include "server/auth/client_auth.h"
#include "server/config/config.h"
#include "server/serve/live_issuer.h"

namespace tokenwarden::server {

struct IssuerRuntime {
  const IssuerConfig* config = nullptr;  // points into ServerState::config()
  // Shared: a live issuer's key source holds it weakly to publish fetched keys into it.
  std::shared_ptr<Validator> validator;
  int64_t keys_loaded_at = 0;  // Unix seconds (jwks_file issuers)
  // live: the key source and/or introspection endpoint; null for a plain jwks_file issuer.
  std::shared_ptr<LiveIssuer> live;
};

class ServerState {
 public:
  // Build makes the validators of `config` sharing `denylist`. `warnings` receives lines worth
  // logging (e.g. an algorithm allow-list no key can serve). Issuers with fetched keys or an
  // introspection endpoint get theirs from `live` (required for them; may be null otherwise).
  static absl::StatusOr<std::shared_ptr<const ServerState>> Build(
      ServerConfig config, std::shared_ptr<Denylist> denylist, int64_t now,
      std::vector<std::string>& warnings, LiveIssuers* live = nullptr);
  // LiveIssuersInUse lists the live issuers this state holds (for LiveIssuers::Retain).
  std::vector<std::shared_ptr<LiveIssuer>> LiveIssuersInUse() const;

  const ServerConfig& config() const { return config_; }
  // offers_bearer / offers_dpop: some issuer or route takes the scheme (request_possession.h),
  // worked out once per configuration for the challenges /validate offers.
  bool offers_bearer() const { return offers_bearer_; }
  bool offers_dpop() const { return offers_dpop_; }
  std::span<const IssuerRuntime> issuers() const { return issuers_; }
  // issuer_set routes and validates tokens; its indices are those of issuers().
  const IssuerSet& issuer_set() const { return *issuer_set_; }
  const ClientRegistry& clients() const { return *clients_; }

 private:
  ServerState() = default;
  ServerConfig config_;
  bool offers_bearer_ = true;
  bool offers_dpop_ = false;
  std::vector<IssuerRuntime> issuers_;
  std::optional<IssuerSet> issuer_set_;
  std::unique_ptr<ClientRegistry> clients_;
};

// StateHolder publishes the current ServerState. Workers poll version() (one acquire load per
// request) and take the new state only when it changed, so the steady state shares no
// written cache line.
// Thread-safety: all methods may be called concurrently.
class StateHolder {
 public:
  void Publish(std::shared_ptr<const ServerState> state);
  std::shared_ptr<const ServerState> Current() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  mutable base::Mutex mu_;
  std::shared_ptr<const ServerState> state_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> version_{0};
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_SERVER_STATE_H_
