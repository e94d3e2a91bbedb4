#ifndef TOKENWARDEN_CORE_TRACE_H_
#define TOKENWARDEN_CORE_TRACE_H_

#include <string_view>

#include "core/error.h"

namespace tokenwarden {

// Trace observes every check the verifier makes, in pipeline order, for `verify --explain`
// and diagnostics. With a Trace attached, the verifier keeps evaluating the claim checks after
// the first failure (so a report shows everything that is wrong); the result is still the
// first failure. Without one (nullptr) nothing is recorded and validation stops at once.
class Trace {
 public:
  virtual ~Trace() = default;

  // OnCheck reports one check. `check` names it ("signature", "exp", ...); `applied` is false
  // when the policy does not ask for it (then `result` is kOk); `detail` says why it passed or
  // failed. All views have static storage or live as long as the token being verified.
  virtual void OnCheck(std::string_view check, bool applied, Error result,
                       std::string_view detail) = 0;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_TRACE_H_
