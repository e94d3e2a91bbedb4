// File: server/keys/refetch.h
// -----------------------------------------------------------------------------
// What a request whose token names a kid the published key set lacks is told by the key
// source (IssuerKeySource::RequestRefetch): when the fetch that can settle the kid starts, and
// later, whether that fetch succeeded. Only a fetch that started after the request arrived
// and succeeded can show that the issuer really has no such key; anything less (a cooldown,
// a fetch under way, a failed fetch) leaves the kid unsettled, and the token must not be
// refused for it.
#ifndef TOKENWARDEN_SERVER_KEYS_REFETCH_H_
#define TOKENWARDEN_SERVER_KEYS_REFETCH_H_

#include <cstdint>

namespace tokenwarden::server::keys {

// RefetchTicket is the key source's answer to RequestRefetch.
struct RefetchTicket {
  // queued: the request's callback runs when the fetch that settles its kid ends. false: it
  // never runs (the fetch is due later than the request may wait, too many requests wait
  // already, or the source is stopped); the request must be answered now, without the kid.
  bool queued = false;
  // due_in_ms: how long until that fetch starts (0: now, or as soon as the one under way
  // ends), for Retry-After.
  int64_t due_in_ms = 0;
};

// RefetchResult is how the fetch a request waited for ended.
struct RefetchResult {
  // fetched: it succeeded (a new set, the same set, or 304), so the published set is the
  // issuer's current one and a kid it lacks is unknown to the issuer. false: it failed, or
  // the source stopped: nothing was learnt about the kid.
  bool fetched = false;
};

}  // namespace tokenwarden::server::keys

#endif  // TOKENWARDEN_SERVER_KEYS_REFETCH_H_
