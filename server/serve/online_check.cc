#include "server/serve/online_check.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include <absl/status/status.h>
#include <absl/strings/str_join.h>
#include <openssl/rand.h>

#include "base/hex.h"
#include "base/str_cat.h"
#include "core/key_set.h"
#include "server/keys/discovery.h"
#include "server/upstream/client_request.h"
#include "server/upstream/introspection_response.h"
#include "server/upstream/revocation_response.h"

namespace tokenwarden::server {
namespace {

// kResolveSlackMs is added to the sum of the timeouts for name resolution, which they do not
// cover; a resolver that answers at all answers well within it.
constexpr int64_t kResolveSlackMs = 1000;

// Findings is what one issuer's check found.
struct Findings {
  std::vector<std::string> failures;
  std::optional<size_t> keys;  // keys usable with the allowed algorithms
  size_t skipped = 0;          // JWK Set entries not loaded
  bool file_keys = false;
  bool keyless = false;  // an issuer of opaque tokens only: nothing to fetch but its endpoint
  bool introspection_ok = false;
  bool revocation_ok = false;  // forward_revocations: the endpoint took tokenwarden's request
};

// WithoutQuery is `url` as messages show it: a query may carry data that belongs in no output.
std::string_view WithoutQuery(std::string_view url) { return url.substr(0, url.find('?')); }

// Hint says what the user may change for a failed request. The client's message names the URL
// and the cause already, and says itself what to do about refused certificates, DNS and
// plain http.
std::string_view Hint(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return " (is the host reachable from here? fetch.connect_timeout_ms and fetch.timeout_ms "
             "bound the wait)";
    case absl::StatusCode::kResourceExhausted:
      return " (fetch.max_response_bytes bounds the response)";
    case absl::StatusCode::kFailedPrecondition:
      return " (configure the URL it redirects to)";
    default:
      return "";
  }
}

std::string FetchFailed(std::string_view what, const absl::Status& status) {
  return base::StrCat(what, ": ", status.message(), Hint(status));
}

// Get fetches `url` once: the check reports the first failure rather than hiding it behind
// the quick retry the key source makes.
absl::StatusOr<fetch::FetchResponse> Get(fetch::Fetcher& fetcher, const std::string& url) {
  fetch::FetchRequest request;
  request.url = url;
  request.headers.emplace_back("Accept", "application/json");
  return fetcher.Fetch(request);
}

// Discover reads the issuer's discovery document into `out`; false after recording why not.
bool Discover(const IssuerConfig& issuer, fetch::Fetcher& fetcher, keys::DiscoveryDocument& out,
              Findings& findings) {
  const std::string url = keys::DiscoveryUrl(*issuer.policy.issuer);
  absl::StatusOr<fetch::FetchResponse> response = Get(fetcher, url);
  if (!response.ok()) {
    findings.failures.push_back(FetchFailed("discovery", response.status()));
    return false;
  }
  if (response->status != 200) {
    findings.failures.push_back(base::StrCat(
        "discovery: ", WithoutQuery(url), " answered HTTP ", response->status,
        response->status == 404 ? " (is \"issuer\" the provider's issuer identifier exactly? "
                                  "the document is read from {issuer}/.well-known/"
                                  "openid-configuration)"
                                : ""));
    return false;
  }
  absl::StatusOr<keys::DiscoveryDocument> parsed =
      keys::ParseDiscovery(response->body, *issuer.policy.issuer, issuer.fetch.allow_plain_http);
  if (!parsed.ok()) {
    findings.failures.push_back(std::string(parsed.status().message()));
    return false;
  }
  out = *std::move(parsed);
  return true;
}

// CountUsable records how many keys of `keys` can verify an algorithm `policy` allows (all of
// the set's algorithms when it names none), or a failure when none can.
void CountUsable(const KeySet& keys, const Policy& policy, std::string_view source,
                 Findings& findings) {
  const AlgorithmSet allowed = policy.algorithms.empty()
                                   ? keys.algorithms()
                                   : policy.algorithms.Intersect(keys.algorithms());
  if (allowed.empty()) {
    findings.failures.push_back(
        base::StrCat("key set: ", source, ": no key can verify ", policy.algorithms.ToString(),
                     " (its keys support ", keys.algorithms().ToString(),
                     "): the issuer signs with other keys than \"algorithms\" allows"));
    return;
  }
  findings.keys = static_cast<size_t>(
      std::count_if(keys.keys().begin(), keys.keys().end(),
                    [&](const Key& key) { return !key.algorithms().Intersect(allowed).empty(); }));
  findings.skipped = keys.skipped().size();
}

// CheckRemoteKeys fetches the key set (after the discovery document, for discovery issuers),
// as the key source would. `discovered` receives the document; false when discovery failed.
bool CheckRemoteKeys(const IssuerConfig& issuer, fetch::Fetcher& fetcher,
                     keys::DiscoveryDocument& discovered, Findings& findings) {
  std::string jwks_uri = issuer.jwks_uri;
  if (issuer.key_source == IssuerConfig::KeySource::kDiscovery) {
    if (!Discover(issuer, fetcher, discovered, findings)) {
      return false;
    }
    jwks_uri = discovered.jwks_uri;
  }
  absl::StatusOr<fetch::FetchResponse> response = Get(fetcher, jwks_uri);
  if (!response.ok()) {
    findings.failures.push_back(FetchFailed("key set", response.status()));
    return true;
  }
  if (response->status != 200) {
    findings.failures.push_back(
        base::StrCat("key set: ", WithoutQuery(jwks_uri), " answered HTTP ", response->status));
    return true;
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> key_set = KeySet::FromJwks(response->body);
  if (!key_set.ok()) {
    findings.failures.push_back(
        base::StrCat("key set: ", WithoutQuery(jwks_uri), ": ", key_set.status().message()));
    return true;
  }
  CountUsable(**key_set, issuer.policy, WithoutQuery(jwks_uri), findings);
  return true;
}

// RandomToken is a token no issuer has issued: 128 random bits, named so that an issuer's
// administrator who sees it in a log knows where it came from.
std::string RandomToken() {
  std::array<uint8_t, 16> bytes;
  RAND_bytes(bytes.data(), bytes.size());
  return base::StrCat("tokenwarden-check-", base::HexEncode(bytes));
}

// CheckIntrospection asks the issuer's introspection endpoint about a random token.
// `discovered` is the discovery document (its endpoint is used when none is configured);
// `discovery_failed` says it could not be read.
void CheckIntrospection(const IssuerConfig& issuer, fetch::Fetcher& fetcher,
                        const keys::DiscoveryDocument& discovered, bool discovery_failed,
                        Findings& findings) {
  const UpstreamIntrospectionConfig& c = *issuer.introspection;
  const std::string& endpoint = c.endpoint.empty() ? discovered.introspection_endpoint : c.endpoint;
  if (endpoint.empty()) {
    // Built in place: GCC 12 at -O3 misreads moving a temporary std::string made from this
    // ternary as an out-of-bounds copy (-Warray-bounds).
    findings.failures.emplace_back(
        discovery_failed ? "introspection: not checked: its endpoint comes from the discovery "
                           "document"
                         : "introspection: the discovery document names no "
                           "introspection_endpoint: set introspection.endpoint");
    return;
  }
  absl::StatusOr<fetch::FetchResponse> response = fetcher.Fetch(upstream::IntrospectionRequest(
      endpoint, RandomToken(), c.client_id, c.client_secret, ClientAuthOf(c.auth_method)));
  if (!response.ok()) {
    findings.failures.push_back(FetchFailed("introspection", response.status()));
    return;
  }
  const std::string_view where = WithoutQuery(endpoint);
  if (response->status == 401 || response->status == 403) {
    findings.failures.push_back(
        base::StrCat("introspection credentials refused (", response->status, " from ", where,
                     "): check introspection.client_id, the client secret and auth_method"));
    return;
  }
  if (response->status != 200) {
    findings.failures.push_back(
        base::StrCat("introspection: ", where, " answered HTTP ", response->status));
    return;
  }
  absl::StatusOr<upstream::IntrospectionResult> parsed =
      upstream::ParseIntrospectionResponse(response->body);
  if (!parsed.ok()) {
    findings.failures.push_back(base::StrCat(
        "introspection: ", where, " did not answer as RFC 7662 asks: ", parsed.status().message()));
  } else if (parsed->active) {
    findings.failures.push_back(base::StrCat(
        "introspection: ", where,
        " says a random token is active: its answers cannot be trusted (is it an RFC 7662 "
        "endpoint?)"));
  } else {
    findings.introspection_ok = true;
  }
}

// CheckRevocation sends forwarded revocations' request to their endpoint (the configured
// one, else the discovery document's), about a random token: RFC 7009 §2.2 answers 200 for a
// token the issuer does not know, and revokes nothing.
void CheckRevocation(const IssuerConfig& issuer, fetch::Fetcher& fetcher,
                     const keys::DiscoveryDocument& discovered, bool discovery_failed,
                     Findings& findings) {
  const UpstreamIntrospectionConfig& c = *issuer.introspection;
  const std::string& endpoint =
      c.revocation_endpoint.empty() ? discovered.revocation_endpoint : c.revocation_endpoint;
  if (endpoint.empty()) {
    findings.failures.emplace_back(
        discovery_failed ? "revocation: not checked: its endpoint comes from the discovery "
                           "document"
                         : "revocation: the discovery document names no usable "
                           "revocation_endpoint: set introspection.revocation_endpoint");
    return;
  }
  absl::StatusOr<fetch::FetchResponse> response = fetcher.Fetch(
      upstream::RevocationRequest(endpoint, RandomToken(), "access_token", c.client_id,
                                  c.client_secret, ClientAuthOf(c.auth_method)));
  if (!response.ok()) {
    findings.failures.push_back(FetchFailed("revocation", response.status()));
    return;
  }
  const upstream::RevocationOutcome outcome = upstream::ReadRevocationResponse(*response);
  const std::string_view where = WithoutQuery(endpoint);
  switch (outcome.kind) {
    case upstream::RevocationOutcome::Kind::kRevoked:
      findings.revocation_ok = true;
      break;
    case upstream::RevocationOutcome::Kind::kUnsupportedTokenType:
      findings.failures.push_back(base::StrCat(
          "revocation: ", where, " does not revoke access tokens (unsupported_token_type)"));
      break;
    case upstream::RevocationOutcome::Kind::kError:
      findings.failures.push_back(base::StrCat("revocation: ", where, " answered ", outcome.error));
      break;
  }
}

std::string VerdictLine(std::string_view issuer, const Findings& f) {
  if (!f.failures.empty()) {
    return base::StrCat("FAIL issuer ", issuer, ": ", absl::StrJoin(f.failures, "; "));
  }
  std::string line = base::StrCat("ok issuer ", issuer);
  if (f.keyless) {
    line.append(" no keys (introspection only)");
  }
  if (f.keys.has_value()) {
    base::StrAppend(&line, " keys ", *f.keys, f.file_keys ? " (jwks_file)" : "");
    if (f.skipped > 0) {
      base::StrAppend(&line, " (", f.skipped, " skipped)");
    }
  }
  if (f.introspection_ok) {
    line.append(", introspection credentials accepted");
  }
  if (f.revocation_ok) {
    line.append(", revocation credentials accepted");
  }
  return line;
}

// RequestsOf is how many requests the check of `issuer` makes.
int64_t RequestsOf(const IssuerConfig& issuer) {
  return (issuer.key_source == IssuerConfig::KeySource::kDiscovery ? 1 : 0) +
         (issuer.remote_keys() ? 1 : 0) + (issuer.introspection.has_value() ? 1 : 0) +
         (issuer.introspection.has_value() && issuer.introspection->forward_revocations ? 1 : 0);
}

// Batch is one CheckIssuersOnline call, shared with its threads, which may outlive the call.
struct Batch {
  std::vector<IssuerConfig> issuers;
  LiveIssuers::MakeFetcher make_fetcher;
  std::mutex mu;
  std::condition_variable changed;
  size_t next = 0;                                     // guarded by mu: the next issuer to take
  size_t finished = 0;                                 // guarded by mu
  std::vector<std::optional<IssuerVerdict>> verdicts;  // guarded by mu
};

void Work(const std::shared_ptr<Batch>& batch) {
  for (;;) {
    size_t i = 0;
    {
      std::lock_guard<std::mutex> lock(batch->mu);
      if (batch->next == batch->issuers.size()) {
        return;
      }
      i = batch->next++;
    }
    IssuerVerdict verdict = CheckIssuerOnline(batch->issuers[i], batch->make_fetcher);
    {
      std::lock_guard<std::mutex> lock(batch->mu);
      batch->verdicts[i] = std::move(verdict);
      ++batch->finished;
    }
    batch->changed.notify_all();
  }
}

}  // namespace

IssuerVerdict CheckIssuerOnline(const IssuerConfig& issuer,
                                const LiveIssuers::MakeFetcher& make_fetcher) {
  Findings findings;
  findings.keyless = issuer.keyless();
  if (!issuer.remote_keys() && issuer.keys != nullptr) {
    findings.file_keys = true;
    CountUsable(*issuer.keys, issuer.policy, issuer.jwks_file, findings);
  }
  if (RequestsOf(issuer) > 0) {
    absl::StatusOr<std::shared_ptr<fetch::Fetcher>> fetcher = make_fetcher(issuer.fetch);
    if (!fetcher.ok()) {
      findings.failures.push_back(base::StrCat("fetch: ", fetcher.status().message()));
    } else {
      keys::DiscoveryDocument discovered;
      const bool discovered_ok =
          !issuer.remote_keys() || CheckRemoteKeys(issuer, **fetcher, discovered, findings);
      if (issuer.introspection.has_value()) {
        CheckIntrospection(issuer, **fetcher, discovered, !discovered_ok, findings);
        if (issuer.introspection->forward_revocations) {
          CheckRevocation(issuer, **fetcher, discovered, !discovered_ok, findings);
        }
      }
    }
  }
  return {findings.failures.empty(), VerdictLine(*issuer.policy.issuer, findings)};
}

int64_t OnlineCheckDeadlineMs(const std::vector<IssuerConfig>& issuers) {
  int64_t slowest = 0;
  for (const IssuerConfig& issuer : issuers) {
    slowest = std::max(slowest, RequestsOf(issuer) * issuer.fetch.timeout_ms);
  }
  const int64_t rounds =
      static_cast<int64_t>((issuers.size() + kParallelChecks - 1) / kParallelChecks);
  return rounds * slowest + kResolveSlackMs;
}

std::vector<IssuerVerdict> CheckIssuersOnline(std::vector<IssuerConfig> issuers,
                                              LiveIssuers::MakeFetcher make_fetcher) {
  const int64_t deadline_ms = OnlineCheckDeadlineMs(issuers);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms);
  auto batch = std::make_shared<Batch>();
  batch->issuers = std::move(issuers);
  batch->make_fetcher = std::move(make_fetcher);
  batch->verdicts.resize(batch->issuers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < std::min(batch->issuers.size(), kParallelChecks); ++i) {
    threads.emplace_back([batch] { Work(batch); });
  }
  std::vector<IssuerVerdict> out;
  bool all = false;
  {
    std::unique_lock<std::mutex> lock(batch->mu);
    all = batch->changed.wait_until(lock, deadline,
                                    [&] { return batch->finished == batch->issuers.size(); });
    batch->next = batch->issuers.size();  // a thread that frees up takes no further issuer
    for (size_t i = 0; i < batch->issuers.size(); ++i) {
      out.push_back(batch->verdicts[i].value_or(IssuerVerdict{
          false, base::StrCat("FAIL issuer ", *batch->issuers[i].policy.issuer,
                              ": no answer within the check's bound of ", deadline_ms,
                              " ms (a request outlasted its timeouts: is name resolution "
                              "hanging?)")}));
    }
  }
  for (std::thread& t : threads) {
    if (all) {
      t.join();
    } else {
      t.detach();  // it holds `batch`; a hung getaddrinfo cannot be interrupted
    }
  }
  return out;
}

}  // namespace tokenwarden::server
