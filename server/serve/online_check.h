// File: server/serve/online_check.h
// -----------------------------------------------------------------------------
// `tokenwarden serve --check --online`: after the offline checks, ask every issuer what the
// server would ask it, once, and say per issuer whether that works:
//   - discovery issuers: GET {issuer}/.well-known/openid-configuration; its `issuer` must be
//     the configured one exactly (ParseDiscovery names a trailing-slash difference);
//   - jwks_uri and discovery issuers: GET the JWK Set; it must parse and hold a key for an
//     allowed algorithm;
//   - issuers with `introspection`: one RFC 7662 request about a random token, which no
//     issuer can know: 200 {"active":false} means tokenwarden's client credentials were
//     accepted, 401/403 that they were refused; anything else is reported;
//   - issuers with `introspection.forward_revocations`: one RFC 7009 revocation of another
//     random token (an unknown token is a 200, RFC 7009 §2.2), at the endpoint forwarded
//     revocations go to.
// Requests go through the client the server uses (MakeHttpsFetcher: the issuer's CA file,
// timeouts and size limit) and the request builders it uses, without retries: at most four
// requests, each within fetch.timeout_ms, per issuer. Name resolution (getaddrinfo) is not
// bounded by those timeouts, so the whole check also has a deadline, OnlineCheckDeadlineMs.
// Nothing reported holds a secret or a request body: the failures are the fetch client's
// messages (URLs without their query), status codes and parse errors.
//
//   std::vector<IssuerVerdict> verdicts = CheckIssuersOnline(config.issuers, MakeHttpsFetcher);
//   for (const IssuerVerdict& v : verdicts) print(v.line);
#ifndef TOKENWARDEN_SERVER_SERVE_ONLINE_CHECK_H_
#define TOKENWARDEN_SERVER_SERVE_ONLINE_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/serve/live_issuer.h"

namespace tokenwarden::server {

// kParallelChecks is how many issuers are checked at once.
inline constexpr size_t kParallelChecks = 16;

// IssuerVerdict is the online check of one issuer.
struct IssuerVerdict {
  bool ok = false;
  // line is "ok issuer ISSUER keys N ..." or "FAIL issuer ISSUER: REASON[; REASON]", without
  // a newline.
  std::string line;
};

// CheckIssuerOnline checks `issuer`, blocking for at most its requests' timeouts (and name
// resolution), with the fetcher `make_fetcher` makes from its `fetch` settings when it needs
// one (a jwks_file issuer without introspection makes no request: its file was checked
// offline).
IssuerVerdict CheckIssuerOnline(const IssuerConfig& issuer,
                                const LiveIssuers::MakeFetcher& make_fetcher);

// OnlineCheckDeadlineMs bounds CheckIssuersOnline for `issuers`: ceil(issuers /
// kParallelChecks) rounds of the slowest issuer's requests × its fetch.timeout_ms, plus 1 s.
int64_t OnlineCheckDeadlineMs(const std::vector<IssuerConfig>& issuers);

// CheckIssuersOnline checks every issuer, kParallelChecks at a time, each with the fetcher
// `make_fetcher` makes from its `fetch` settings, and returns the verdicts in the order of
// `issuers`. It returns by OnlineCheckDeadlineMs: an issuer not checked by then fails so, and
// the threads still busy are left to end on their own (they own everything they use).
std::vector<IssuerVerdict> CheckIssuersOnline(std::vector<IssuerConfig> issuers,
                                              LiveIssuers::MakeFetcher make_fetcher);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ONLINE_CHECK_H_
