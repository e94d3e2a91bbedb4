#include "server/serve/worker_context.h"

namespace tokenwarden::server {

WorkerContext::~WorkerContext() { Release(); }

void WorkerContext::Release() {
  routed_ = false;
  scratch_.reset();
  state_.reset();
}

const ServerState& WorkerContext::Refresh(const StateHolder& holder) {
  routed_ = false;
  const uint64_t version = holder.version();
  if (version != version_ || state_ == nullptr) {
    Release();
    state_ = holder.Current();
    version_ = version;
    scratch_ = std::make_unique<IssuerSetScratch>(state_->issuer_set());
    parses_taken_ = 0;
  }
  return *state_;
}

uint64_t WorkerContext::TakeTokenParses() {
  if (scratch_ == nullptr) {
    return 0;
  }
  const uint64_t total = scratch_->payload_reads();
  const uint64_t fresh = total - parses_taken_;
  parses_taken_ = total;
  return fresh;
}

const IssuerSet::Routing& WorkerContext::Route(std::string_view token, const ServerState& state,
                                               bool parse) {
  // The same view within one request is the same token: Refresh forgets it between requests.
  const bool same = routed_ && routing_.token.data() == token.data() &&
                    routing_.token.size() == token.size() && (routed_parsed_ || !parse);
  if (!same) {
    routing_ = state.issuer_set().Route(token, *scratch_, parse);
    routed_ = true;
    routed_parsed_ = routing_.parsed != nullptr;
  }
  return routing_;
}

}  // namespace tokenwarden::server
