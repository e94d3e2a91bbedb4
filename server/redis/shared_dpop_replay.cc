#include "server/redis/shared_dpop_replay.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "base/hex.h"

namespace tokenwarden::server::redis {

SharedDpopReplay::SharedDpopReplay(RedisLink& link, Clock clock)
    : link_(link), clock_(std::move(clock)), prefix_(link.config().key_prefix + "dpop:") {}

std::string SharedDpopReplay::KeyOf(const DpopReplayKey& key) const {
  std::string name = prefix_;
  for (const uint8_t byte : key) {
    base::AppendHexByte(byte, name);
  }
  return name;
}

void SharedDpopReplay::Count(Answer answer) {
  switch (answer) {
    case Answer::kFresh:
      fresh_.fetch_add(1, std::memory_order_relaxed);
      return;
    case Answer::kReplayed:
      replayed_.fetch_add(1, std::memory_order_relaxed);
      return;
    case Answer::kUnknown:
      errors_.fetch_add(1, std::memory_order_relaxed);
      return;
  }
}

void SharedDpopReplay::Claim(const DpopReplayKey& key, int64_t until_ms, Done done) {
  // At least 1 ms: a proof at the very end of its window is still spent, never PX 0 (an
  // error reply).
  const int64_t ttl_ms = std::max<int64_t>(1, until_ms - clock_());
  // `done` is shared so that it survives a Post the link refuses (stopping) and still runs.
  auto shared_done = std::make_shared<Done>(std::move(done));
  const auto answer = [this, shared_done](Answer a) {
    Count(a);
    (*shared_done)(a);
  };
  if (!link_.up()) {
    answer(Answer::kUnknown);
    return;
  }
  const bool posted = link_.Post([this, answer, name = KeyOf(key), ttl_ms] {
    link_.Command({"SET", name, "1", "NX", "PX", std::to_string(ttl_ms)},
                  [answer](absl::StatusOr<RespValue> r) {
                    if (r.ok() && r->IsStatus("OK")) {
                      answer(Answer::kFresh);
                    } else if (r.ok() && r->type == RespValue::Type::kNil) {
                      answer(Answer::kReplayed);
                    } else {
                      answer(Answer::kUnknown);
                    }
                  });
  });
  if (!posted) {
    answer(Answer::kUnknown);
  }
}

}  // namespace tokenwarden::server::redis
