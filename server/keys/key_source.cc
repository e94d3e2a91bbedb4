#include "server/keys/key_source.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <random>
#include <utility>

#include <absl/strings/str_join.h>

#include "base/str_cat.h"
#include "server/keys/backoff.h"
#include "server/keys/discovery.h"
#include "server/keys/freshness.h"

namespace tokenwarden::server::keys {

std::string_view KeyEventName(KeyEvent event) {
  switch (event) {
    case KeyEvent::kRefreshed:
      return "refreshed";
    case KeyEvent::kUnchanged:
      return "unchanged";
    case KeyEvent::kRotated:
      return "rotated";
    case KeyEvent::kFailed:
      return "failed";
    case KeyEvent::kStale:
      return "stale";
    case KeyEvent::kRecovered:
      return "recovered";
    case KeyEvent::kDropped:
      return "dropped";
  }
  return "unknown";
}

namespace {

std::vector<std::string> KidsOf(const KeySet& keys) {
  std::vector<std::string> kids;
  for (const Key& key : keys.keys()) {
    kids.push_back(key.kid().value_or("(no kid)"));
  }
  std::sort(kids.begin(), kids.end());
  return kids;
}

bool Transient(const absl::StatusOr<fetch::FetchResponse>& r) {
  if (!r.ok()) {
    return absl::IsUnavailable(r.status()) || absl::IsDeadlineExceeded(r.status()) ||
           absl::IsDataLoss(r.status());
  }
  return r->status >= 500 || r->status == 429;
}

}  // namespace

struct IssuerKeySource::Outcome {
  enum class Kind { kNew, kNotModified, kFailure };
  Kind kind = Kind::kFailure;
  std::shared_ptr<const KeySet> keys;
  std::string body;
  std::string etag;
  std::optional<int64_t> lifetime_s;
  std::string error;
  DiscoveryDocument discovered;  // jwks_uri empty unless discovery ran
};

absl::StatusOr<std::unique_ptr<IssuerKeySource>> IssuerKeySource::Create(
    KeySourceConfig config, std::shared_ptr<fetch::Fetcher> fetcher, Logger log) {
  if (fetcher == nullptr) {
    return absl::InvalidArgumentError("key source needs a fetcher");
  }
  if (!config.discovery && config.jwks_uri.empty()) {
    return absl::InvalidArgumentError("key source needs discovery or a jwks_uri");
  }
  if (config.min_refresh_ms <= 0 || config.max_refresh_ms < config.min_refresh_ms) {
    return absl::InvalidArgumentError("key source refresh bounds are inconsistent");
  }
  return std::unique_ptr<IssuerKeySource>(
      new IssuerKeySource(std::move(config), std::move(fetcher), std::move(log)));
}

IssuerKeySource::IssuerKeySource(KeySourceConfig config, std::shared_ptr<fetch::Fetcher> fetcher,
                                 Logger log)
    : config_(std::move(config)),
      fetcher_(std::move(fetcher)),
      log_(std::move(log)),
      published_(KeySet::Empty()),
      jwks_uri_(config_.discovery ? "" : config_.jwks_uri) {}

IssuerKeySource::~IssuerKeySource() { Stop(); }

void IssuerKeySource::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stop_) {
    return;
  }
  started_ = true;
  next_fetch_ms_ = NowMs();
  thread_ = std::thread([this] { Run(); });
}

void IssuerKeySource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  std::vector<Waiter> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiters.swap(waiters_);
  }
  for (const Waiter& waiter : waiters) {
    waiter.done(RefetchResult{.fetched = false});
  }
}

int64_t IssuerKeySource::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool IssuerKeySource::WaitMs(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

void IssuerKeySource::Attach(std::weak_ptr<Validator> validator) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::shared_ptr<Validator> v = validator.lock()) {
    (void)v->UpdateKeys(published_);
  }
  std::erase_if(validators_, [](const std::weak_ptr<Validator>& w) { return w.expired(); });
  validators_.push_back(std::move(validator));
}

int64_t IssuerKeySource::RefetchStartMs(int64_t now) const {
  int64_t start = refetch_due_ms_ != kNoRefetch
                      ? refetch_due_ms_
                      : std::max(now, last_refetch_ms_ + config_.cooldown_ms);
  if (!in_flight_) {
    start = std::min(start, next_fetch_ms_);  // a refresh due sooner settles the kid as well
  }
  return std::max(start, now);
}

int64_t IssuerKeySource::NextStartMs() const { return std::min(next_fetch_ms_, refetch_due_ms_); }

RefetchTicket IssuerKeySource::RequestRefetch(int64_t max_wait_ms,
                                              std::function<void(const RefetchResult&)> done) {
  std::lock_guard<std::mutex> lock(mu_);
  RefetchTicket ticket;
  if (!started_ || stop_) {
    return ticket;
  }
  const int64_t now = NowMs();
  if (refetch_due_ms_ == kNoRefetch) {
    // The first unknown kid since the last refetch started: one more, at the cooldown's end
    // at the earliest. Every kid seen until it starts shares it.
    refetch_due_ms_ = std::max(now, last_refetch_ms_ + config_.cooldown_ms);
    wake_.notify_all();
  }
  ticket.due_in_ms = RefetchStartMs(now) - now;
  if (done == nullptr || ticket.due_in_ms > max_wait_ms || waiters_.size() >= kMaxRefetchWaiters) {
    return ticket;
  }
  // A fetch under way started before this request: only the next one can settle its kid.
  waiters_.push_back(Waiter{fetches_started_, std::move(done)});
  ticket.queued = true;
  return ticket;
}

int64_t IssuerKeySource::RefetchDueInMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_flight_ && refetch_due_ms_ == kNoRefetch) {
    return 0;
  }
  const int64_t now = NowMs();
  return RefetchStartMs(now) - now;
}

std::shared_ptr<const KeySet> IssuerKeySource::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return published_;
}

KeySourceStatus IssuerKeySource::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  KeySourceStatus out = status_;
  out.now_unix = config_.unix_now();
  const int64_t now = NowMs();
  out.usable = !published_->empty();
  out.keys = published_->keys().size();
  out.kids = KidsOf(*published_);
  out.stale = remote_ != nullptr && !dropped_ && published_ == remote_ &&
              (stale_counted_ || now > fresh_until_ms_);
  out.using_fallback = config_.fallback != nullptr && published_ == config_.fallback;
  out.last_success_unix = status_.last_success_unix;
  out.next_attempt_in_ms = started_ ? std::max<int64_t>(0, NextStartMs() - now) : 0;
  out.jwks_uri = jwks_uri_;
  out.introspection_endpoint = introspection_endpoint_;
  out.revocation_endpoint = revocation_endpoint_;
  return out;
}

void IssuerKeySource::Count(KeyEvent event, std::string_view detail) {
  ++status_.events[static_cast<size_t>(event)];
  if (log_) {
    log_(base::StrCat("issuer ", config_.issuer, ": keys ", KeyEventName(event),
                      detail.empty() ? "" : ": ", detail));
  }
}

void IssuerKeySource::Publish(std::shared_ptr<const KeySet> keys) {
  published_ = std::move(keys);
  std::erase_if(validators_, [](const std::weak_ptr<Validator>& w) { return w.expired(); });
  for (const std::weak_ptr<Validator>& weak : validators_) {
    if (std::shared_ptr<Validator> v = weak.lock()) {
      (void)v->UpdateKeys(published_);
    }
  }
}

absl::StatusOr<fetch::FetchResponse> IssuerKeySource::Get(const std::string& url, bool conditional,
                                                          bool& retried) {
  fetch::FetchRequest request;
  request.url = url;
  request.headers.emplace_back("Accept", "application/json");
  if (conditional) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!etag_.empty()) {
      request.headers.emplace_back("If-None-Match", etag_);
    }
  }
  absl::StatusOr<fetch::FetchResponse> response = fetcher_->Fetch(request);
  if (Transient(response) && WaitMs(config_.quick_retry_ms)) {
    retried = true;
    response = fetcher_->Fetch(request);
  }
  return response;
}

IssuerKeySource::Outcome IssuerKeySource::FetchOnce(bool conditional) {
  Outcome out;
  bool retried = false;
  std::string jwks_uri;
  bool rediscover = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jwks_uri = jwks_uri_;
    rediscover = config_.discovery && (jwks_uri.empty() || status_.consecutive_failures > 0);
  }
  if (rediscover) {
    const std::string url = DiscoveryUrl(config_.issuer);
    absl::StatusOr<fetch::FetchResponse> doc = Get(url, false, retried);
    if (!doc.ok() || doc->status != 200) {
      out.error = doc.ok() ? base::StrCat("discovery: ", url, " answered HTTP ", doc->status)
                           : base::StrCat("discovery: ", doc.status().message());
      return out;
    }
    absl::StatusOr<DiscoveryDocument> parsed =
        ParseDiscovery(doc->body, config_.issuer, config_.allow_plain_http);
    if (!parsed.ok()) {
      out.error = base::StrCat(url, ": ", parsed.status().message());
      return out;
    }
    out.discovered = *std::move(parsed);
    jwks_uri = out.discovered.jwks_uri;
  }
  absl::StatusOr<fetch::FetchResponse> response = Get(jwks_uri, conditional, retried);
  if (!response.ok()) {
    out.error = std::string(response.status().message());
    return out;
  }
  const std::optional<std::string_view> etag = response->Header("ETag");
  out.lifetime_s = FreshnessSeconds(response->Header("Cache-Control"), response->Header("Expires"),
                                    response->Header("Date"), config_.unix_now());
  if (response->status == 304 && conditional) {
    out.kind = Outcome::Kind::kNotModified;
    return out;
  }
  if (response->status != 200) {
    out.error = base::StrCat(jwks_uri, " answered HTTP ", response->status);
    return out;
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(response->body);
  if (!keys.ok()) {
    // A document without usable keys never replaces a working set.
    out.error = base::StrCat(jwks_uri, ": ", keys.status().message());
    return out;
  }
  out.kind = Outcome::Kind::kNew;
  out.keys = *std::move(keys);
  out.body = std::move(response->body);
  out.etag = etag.has_value() ? std::string(*etag) : "";
  return out;
}

void IssuerKeySource::Apply(Outcome outcome, int64_t now) {
  status_.attempted = true;
  status_.last_attempt_unix = config_.unix_now();
  const std::shared_ptr<const KeySet>& fallback = config_.fallback;
  if (outcome.kind == Outcome::Kind::kFailure) {
    ++status_.consecutive_failures;
    status_.last_error = outcome.error;
    Count(KeyEvent::kFailed, outcome.error);
    if (remote_ != nullptr && !dropped_) {
      if (now - last_success_ms_ > config_.max_stale_ms) {
        dropped_ = true;
        Count(KeyEvent::kDropped,
              base::StrCat("no successful fetch for ", (now - last_success_ms_) / 1000, " s",
                           fallback != nullptr ? ": using the fallback set" : ""));
        Publish(fallback != nullptr ? fallback : KeySet::Empty());
      } else if (!stale_counted_) {
        stale_counted_ = true;
        Count(KeyEvent::kStale,
              base::StrCat("keeping the ", remote_->keys().size(), " keys fetched ",
                           (now - last_success_ms_) / 1000, " s ago"));
      }
    } else if (fallback != nullptr && published_ != fallback) {
      Publish(fallback);
      if (log_) {
        log_(base::StrCat("issuer ", config_.issuer, ": no remote keys: using the fallback set"));
      }
    }
    static thread_local std::mt19937_64 random{std::random_device{}()};
    const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    next_fetch_ms_ = now + BackoffMs(status_.consecutive_failures, config_.backoff_initial_ms,
                                     config_.backoff_max_ms, unit);
    return;
  }
  const bool recovered = status_.consecutive_failures > 0;
  status_.consecutive_failures = 0;
  status_.last_error.clear();
  status_.last_success_unix = config_.unix_now();
  last_success_ms_ = now;
  stale_counted_ = false;
  if (!outcome.discovered.jwks_uri.empty()) {
    jwks_uri_ = outcome.discovered.jwks_uri;
    introspection_endpoint_ = outcome.discovered.introspection_endpoint;
    revocation_endpoint_ = outcome.discovered.revocation_endpoint;
  }
  const int64_t lifetime = std::clamp(
      outcome.lifetime_s.has_value() ? *outcome.lifetime_s * 1000 : config_.default_refresh_ms,
      config_.min_refresh_ms, config_.max_refresh_ms);
  fresh_until_ms_ = now + lifetime;
  // Ahead of expiry, so that a slow or failing fetch still has time before the set expires.
  next_fetch_ms_ = now + std::max(config_.min_refresh_ms, lifetime - lifetime / 10);
  if (outcome.kind == Outcome::Kind::kNotModified ||
      (remote_ != nullptr && outcome.body == remote_body_)) {
    Count(KeyEvent::kUnchanged, "");
  } else {
    const std::vector<std::string> kids = KidsOf(*outcome.keys);
    const bool rotated = remote_ != nullptr && KidsOf(*remote_) != kids;
    Count(rotated ? KeyEvent::kRotated : KeyEvent::kRefreshed,
          base::StrCat(kids.size(), " keys (kids ", absl::StrJoin(kids, ", "), ")"));
    remote_ = outcome.keys;
    remote_body_ = std::move(outcome.body);
    etag_ = std::move(outcome.etag);
  }
  if (published_ != remote_) {
    Publish(remote_);
  }
  if (dropped_ || recovered) {
    Count(KeyEvent::kRecovered, "");
  }
  dropped_ = false;
}

void IssuerKeySource::Run() {
  for (;;) {
    bool conditional = false;
    uint64_t number = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (int64_t now = NowMs(); !stop_ && now < NextStartMs(); now = NowMs()) {
        wake_.wait_for(lock, std::chrono::milliseconds(NextStartMs() - now));
      }
      if (stop_) {
        return;
      }
      if (refetch_due_ms_ != kNoRefetch) {
        // This fetch settles the unknown kids seen so far, whether it is their refetch or a
        // refresh that came first: the cooldown runs from here.
        last_refetch_ms_ = NowMs();
        refetch_due_ms_ = kNoRefetch;
      }
      number = ++fetches_started_;
      in_flight_ = true;
      conditional = remote_ != nullptr && !etag_.empty();
    }
    Outcome outcome = FetchOnce(conditional);
    const RefetchResult result{.fetched = outcome.kind != Outcome::Kind::kFailure};
    std::vector<Waiter> settled;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Apply(std::move(outcome), NowMs());
      in_flight_ = false;
      // Only the waiters queued before this fetch started; the others wait for the next.
      const auto later = std::stable_partition(waiters_.begin(), waiters_.end(),
                                               [&](const Waiter& w) { return w.after < number; });
      settled.assign(std::make_move_iterator(waiters_.begin()), std::make_move_iterator(later));
      waiters_.erase(waiters_.begin(), later);
    }
    for (const Waiter& waiter : settled) {
      waiter.done(result);
    }
  }
}

}  // namespace tokenwarden::server::keys
