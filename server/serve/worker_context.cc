#include "server/serve/worker_context.h"

namespace tokenwarden::server {

WorkerContext::~WorkerContext() { Release(); }

void WorkerContext::Release() {
  scratches_.clear();
  state_.reset();
}

const ServerState& WorkerContext::Refresh(const StateHolder& holder) {
  const uint64_t version = holder.version();
  if (version != version_ || state_ == nullptr) {
    Release();
    state_ = holder.Current();
    version_ = version;
    for (const IssuerRuntime& issuer : state_->issuers()) {
      scratches_.push_back(std::make_unique<ValidatorScratch>(*issuer.validator));
    }
  }
  return *state_;
}

}  // namespace tokenwarden::server
