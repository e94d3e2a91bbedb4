#include "server/revocation/revocation_sync.h"

#include <limits>
#include <optional>
#include <utility>

#include "base/str_cat.h"
#include "server/revocation/record.h"

namespace tokenwarden::server::revocation {

using redis::RedisLink;
using redis::RespValue;

namespace {

// kScript sets the key unless Redis already holds it with times at least as late (the
// expiry and, for an attribute revocation, the issue time it covers), and publishes only what
// changed, so an instance flushing its whole denylist after a reconnection does not echo what
// everyone knows. KEYS[1] key; ARGV: expires_at, "1" when it expires, channel, message (the
// record), issued_until ("" for one token), the value (the record after the key). Times are
// compared as Lua numbers (doubles: exact for any real Unix time) and written as given.
constexpr std::string_view kScript =
    "local cur = redis.call('GET', KEYS[1])\n"
    "if cur then\n"
    "  local ce, cu = string.match(cur, '^(%S+) ?(%S*)$')\n"
    "  ce = tonumber(ce)\n"
    "  cu = tonumber(cu)\n"
    "  local nu = tonumber(ARGV[5])\n"
    "  if ce and ce >= tonumber(ARGV[1]) and (nu == nil or (cu and cu >= nu)) then\n"
    "    return 0\n"
    "  end\n"
    "end\n"
    "if ARGV[2] == '1' then redis.call('SET', KEYS[1], ARGV[6], 'EXAT', ARGV[1])\n"
    "else redis.call('SET', KEYS[1], ARGV[6]) end\n"
    "redis.call('PUBLISH', ARGV[3], ARGV[4])\n"
    "return 1\n";

constexpr size_t kScanCount = 1000;
constexpr size_t kReconcileBatch = 256;
constexpr size_t kMaxUnsent = size_t{1} << 20;

}  // namespace

RevocationSync::RevocationSync(RedisLink& link, Denylist& denylist, RevocationLog* log, Clock clock,
                               RedisLink::Logger logger)
    : link_(link),
      denylist_(denylist),
      log_(log),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      prefix_(link.config().key_prefix) {
  denylist_.ForEach(
      clock_(), [this](const Denylist::Key&, const Denylist::Entry&) { ++unconfirmed_at_start_; });
  PublishPending();
  RedisLink::Hooks hooks;
  hooks.on_up = [this] { OnUp(); };
  hooks.on_down = [this](const absl::Status&) { OnDown(); };
  hooks.on_message = [this](std::string_view channel, std::string_view message) {
    OnMessage(channel, message);
  };
  link_.SetHooks(std::move(hooks));
}

void RevocationSync::Share(const Revocation& revocation) {
  // Counted before it is handed over: /revoke has answered, so pending() must not read 0
  // while the link thread has yet to take it up (a caller waiting for 0 would see a
  // revocation Redis never got).
  handed_over_.fetch_add(1, std::memory_order_relaxed);
  const bool posted = link_.Post([this, e = revocation] {
    unsent_.emplace(next_seq_++, Unsent{e, false});
    while (unsent_.size() > kMaxUnsent) {
      unsent_.erase(unsent_.begin());
    }
    PublishPending();                                      // counts it now...
    handed_over_.fetch_sub(1, std::memory_order_release);  // ...so it stops counting here
    Flush();
  });
  if (!posted) {
    handed_over_.fetch_sub(1, std::memory_order_relaxed);  // stopping: it stays local
  }
}

void RevocationSync::OnUp() {
  const uint64_t epoch = ++epoch_;
  Load(epoch, "0");
}

void RevocationSync::OnDown() {
  ++epoch_;
  synced_.store(false, std::memory_order_release);
  for (auto& [seq, u] : unsent_) {
    u.in_flight = false;
  }
}

void RevocationSync::Load(uint64_t epoch, std::string cursor) {
  link_.Command(
      {"SCAN", std::move(cursor), "MATCH", prefix_ + "revoked:*", "COUNT",
       std::to_string(kScanCount)},
      [this, epoch](absl::StatusOr<RespValue> r) {
        if (epoch != epoch_ || !r.ok()) {
          return;  // the link went down: the next OnUp starts over
        }
        if (r->type != RespValue::Type::kArray || r->elements.size() != 2 ||
            r->elements[1].type != RespValue::Type::kArray) {
          if (logger_) {
            logger_(base::StrCat("redis: SCAN failed: ", r->is_error() ? r->str : "odd reply"));
          }
          return;
        }
        std::string next = r->elements[0].str;
        std::vector<std::string> keys;
        keys.reserve(r->elements[1].elements.size());
        for (const RespValue& k : r->elements[1].elements) {
          keys.push_back(k.str);
        }
        if (keys.empty()) {
          ApplyLoaded(epoch, {}, std::move(next), RespValue{});
          return;
        }
        std::vector<std::string> argv = {"MGET"};
        argv.insert(argv.end(), keys.begin(), keys.end());
        link_.Command(std::move(argv), [this, epoch, keys = std::move(keys),
                                        next = std::move(next)](absl::StatusOr<RespValue> v) {
          if (epoch != epoch_ || !v.ok()) {
            return;
          }
          ApplyLoaded(epoch, keys, next, *v);
        });
      });
}

void RevocationSync::ApplyLoaded(uint64_t epoch, std::vector<std::string> keys,
                                 std::string next_cursor, const RespValue& values) {
  const int64_t now = clock_();
  const std::string key_prefix = prefix_ + "revoked:";
  for (size_t i = 0; i < keys.size() && i < values.elements.size(); ++i) {
    const RespValue& value = values.elements[i];
    if (value.type != RespValue::Type::kString || !keys[i].starts_with(key_prefix)) {
      continue;  // expired between SCAN and MGET
    }
    Entry e{};
    const std::string record =
        base::StrCat(std::string_view(keys[i]).substr(key_prefix.size()), " ", value.str);
    if (!ParseRecord(record, e)) {
      continue;  // not ours; never trust a malformed entry into the denylist
    }
    Remember(e, now);
  }
  if (next_cursor != "0") {
    Load(epoch, std::move(next_cursor));
    return;
  }
  // Everything Redis knew is here now; push everything this instance knows.
  auto entries = std::make_shared<std::vector<Entry>>();
  denylist_.ForEach(now, [&](const Denylist::Key& key, const Denylist::Entry& entry) {
    entries->push_back(Entry{key, entry});
  });
  Reconcile(epoch, entries, 0, next_seq_, 0);
}

void RevocationSync::Reconcile(uint64_t epoch, const std::shared_ptr<std::vector<Entry>>& entries,
                               size_t from, uint64_t covered, size_t refused) {
  if (from >= entries->size()) {
    Finish(epoch, covered, refused);
    return;
  }
  const size_t end = std::min(entries->size(), from + kReconcileBatch);
  auto remaining = std::make_shared<size_t>(end - from);
  auto failed = std::make_shared<size_t>(0);
  for (size_t i = from; i < end; ++i) {
    Push((*entries)[i], [this, epoch, entries, end, covered, refused, remaining, failed](bool ok) {
      if (!ok) {
        ++*failed;
      }
      if (--*remaining == 0 && epoch == epoch_) {
        Reconcile(epoch, entries, end, covered, refused + *failed);
      }
    });
  }
}

void RevocationSync::Finish(uint64_t epoch, uint64_t covered, size_t refused) {
  if (epoch != epoch_ || !link_.up()) {
    return;
  }
  if (refused == 0) {
    unsent_.erase(unsent_.begin(), unsent_.lower_bound(covered));
    unconfirmed_at_start_ = 0;
  } else if (logger_) {
    logger_(base::StrCat("redis: ", refused,
                         " revocations could not be written; they stay local and are "
                         "retried at the next connection"));
  }
  PublishPending();
  synced_.store(true, std::memory_order_release);
  ever_synced_.store(true, std::memory_order_release);
  Flush();
}

void RevocationSync::Flush() {
  if (!synced_.load(std::memory_order_relaxed)) {
    return;
  }
  const uint64_t epoch = epoch_;
  for (auto& [seq, u] : unsent_) {
    if (u.in_flight) {
      continue;
    }
    u.in_flight = true;
    Push(u.entry, [this, epoch, seq = seq](bool ok) {
      auto it = unsent_.find(seq);
      if (it == unsent_.end()) {
        return;
      }
      if (ok) {
        unsent_.erase(it);
        PublishPending();
      } else if (epoch == epoch_) {
        it->second.in_flight = false;  // retried at the next Share or connection
      }
    });
  }
}

void RevocationSync::Push(const Entry& e, std::function<void(bool ok)> done) {
  const std::string record = RecordText(e);
  const std::string_view hex = std::string_view(record).substr(0, 64);  // the key's part
  const bool expires = e.entry.expires_at != std::numeric_limits<int64_t>::max();
  const bool attribute = e.entry.issued_until != Denylist::kAnyTime;
  link_.Command(
      {"EVAL", std::string(kScript), "1", base::StrCat(prefix_, "revoked:", hex),
       std::to_string(e.entry.expires_at), expires ? "1" : "0", channel(), record,
       attribute ? std::to_string(e.entry.issued_until) : std::string(), record.substr(65)},
      [this, done = std::move(done)](absl::StatusOr<RespValue> r) {
        if (!r.ok()) {
          done(false);
          return;
        }
        if (r->type != RespValue::Type::kInteger) {
          if (logger_) {
            logger_(base::StrCat("redis: a revocation was refused: ",
                                 r->is_error() ? r->str : "unexpected reply"));
          }
          done(false);
          return;
        }
        if (r->integer == 1) {
          sent_.fetch_add(1, std::memory_order_relaxed);
        }
        done(true);
      });
}

void RevocationSync::OnMessage(std::string_view channel, std::string_view message) {
  Entry e{};
  if (channel != this->channel() || !ParseRecord(message, e)) {
    return;
  }
  Remember(e, clock_());
}

bool RevocationSync::Remember(const Entry& e, int64_t now) {
  if (e.entry.expires_at <= now) {
    return false;
  }
  const std::optional<Denylist::Entry> held = denylist_.Find(e.key, now);
  if (held.has_value() && held->expires_at >= e.entry.expires_at &&
      held->issued_until >= e.entry.issued_until) {
    return false;
  }
  absl::Status s = denylist_.Add(e.key, e.entry.expires_at, now, e.entry.issued_until).status();
  if (!s.ok()) {
    // Rate-limited: a full denylist refuses every arrival of a burst.
    if (logger_ && refused_.fetch_add(1, std::memory_order_relaxed) < 10) {
      logger_(base::StrCat("redis: a shared revocation could not be applied: ", s.message()));
    }
    return false;
  }
  received_.fetch_add(1, std::memory_order_relaxed);
  if (log_ != nullptr) {
    to_log_.push_back(e);
    if (!log_scheduled_) {
      // Batched: everything heard in this turn of the loop goes to the log with one fsync.
      log_scheduled_ = link_.Post([this] { WriteLog(); });
    }
  }
  return true;
}

void RevocationSync::WriteLog() {
  log_scheduled_ = false;
  std::vector<Revocation> entries;
  entries.swap(to_log_);
  absl::Status s = log_->AppendAll(entries);
  if (!s.ok() && logger_ && log_failures_++ < 10) {
    logger_(
        base::StrCat("redis: revocations heard from other instances are in effect but "
                     "could not be written to the local log: ",
                     s.message()));
  }
}

}  // namespace tokenwarden::server::revocation
