// File: server/upstream/shared_result_store.h
// -----------------------------------------------------------------------------
// SharedResultStore is a second cache tier for upstream introspection answers, shared by
// several tokenwarden instances (server/redis/shared_results.h keeps it in Redis), so a token
// one instance asked the issuer about is not asked about again by the next. Keys are the
// introspector's digests of issuer and token in hex — never the token.
// Thread-safety: implementations allow concurrent calls.
#ifndef TOKENWARDEN_SERVER_UPSTREAM_SHARED_RESULT_STORE_H_
#define TOKENWARDEN_SERVER_UPSTREAM_SHARED_RESULT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tokenwarden::server::upstream {

struct SharedResult {
  int64_t expires_ms = 0;  // Unix milliseconds; the entry means nothing after it
  std::string json;        // the issuer's RFC 7662 answer, as received
};

class SharedResultStore {
 public:
  virtual ~SharedResultStore() = default;
  // Get returns the entry under `key` while it is live (expires_ms in the future), or
  // nothing (absent, expired, or the store cannot answer in time: a lookup is never worse
  // than asking the issuer).
  virtual std::optional<SharedResult> Get(std::string_view key) = 0;
  // Put stores an entry until its expiry; best effort, never blocks the caller for long.
  virtual void Put(std::string_view key, const SharedResult& result) = 0;
  // Delete drops the entry under `key` (the issuer revoked the token, so its answer changed);
  // best effort, never blocks the caller for long.
  virtual void Delete(std::string_view key) = 0;
};

}  // namespace tokenwarden::server::upstream

#endif  // TOKENWARDEN_SERVER_UPSTREAM_SHARED_RESULT_STORE_H_
