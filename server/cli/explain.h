#ifndef TOKENWARDEN_SERVER_CLI_EXPLAIN_H_
#define TOKENWARDEN_SERVER_CLI_EXPLAIN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/key_set.h"
#include "core/policy.h"
#include "core/trace.h"
#include "core/verifier.h"

namespace tokenwarden::server::cli {

// ExplainTrace records every check of one Verify for the --explain report.
// Thread-safety: none; one verification at a time.
class ExplainTrace : public Trace {
 public:
  struct Entry {
    std::string check;
    bool applied;
    Error result;
    std::string detail;
  };

  void OnCheck(std::string_view check, bool applied, Error result,
               std::string_view detail) override;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// FormatExplain renders the human-readable report of `verify --explain`: the verdict, every
// check in order with its outcome, the decoded header and claims, and times as UTC dates and
// relative to `now` ("expired 3 h ago"). Never prints the token itself.
std::string FormatExplain(Error result, const VerifiedToken& token, const ExplainTrace& trace,
                          const Policy& policy, const KeySet& keys, int64_t now);

}  // namespace tokenwarden::server::cli

#endif  // TOKENWARDEN_SERVER_CLI_EXPLAIN_H_
