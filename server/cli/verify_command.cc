#include "server/cli/verify_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/strip.h>

#include "base/json_escape.h"
#include "base/read_file.h"
#include "base/str_cat.h"
#include "base/utf8.h"
#include "core/key_set.h"
#include "core/rejection.h"
#include "core/verifier.h"
#include "server/cli/explain.h"
#include "server/cli/verify_options.h"

namespace tokenwarden::server::cli {
namespace {

// kMaxInputBytes bounds what we read from a key file or stdin; a token over the policy's
// limit is still reported as token_too_large, this only stops unbounded reads.
constexpr size_t kMaxInputBytes = 4 << 20;

// QuotePath renders a path the user gave for a message: shortened, in quotes, with control
// characters escaped (it is printed on a terminal).
std::string QuotePath(std::string_view path) {
  std::string out;
  base::AppendJsonQuoted(base::Utf8Prefix(path, 256), out,
                         {.short_forms = false, .escape_delete = true});
  return out;
}

// NamesReadableFile reports whether `arg` is the path of a readable regular file: a TOKEN
// argument that is one was almost certainly meant as the token's file.
bool NamesReadableFile(const std::string& arg) {
  struct stat st {};
  return stat(arg.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(arg.c_str(), R_OK) == 0;
}

absl::StatusOr<std::shared_ptr<const KeySet>> LoadKeys(const VerifyOptions& o) {
  const std::string& path = o.jwks_path.has_value() ? *o.jwks_path : *o.key_path;
  std::string contents, why;
  // Pipes too: `--jwks <(curl ...)` hands the command a /dev/fd path.
  if (!base::ReadBoundedFile(path, kMaxInputBytes, contents, why, base::FileKinds::kStreamsToo)) {
    return absl::NotFoundError(base::StrCat("cannot read ", QuotePath(path), ": ", why));
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> keys =
      o.jwks_path.has_value() ? KeySet::FromJwks(contents) : KeySet::FromKeyFile(contents);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(base::StrCat(path, ": ", keys.status().message()));
  }
  return keys;
}

int Usage(Io& io, std::string_view message) {
  WriteAll(io.err, base::StrCat("tokenwarden verify: ", message, "\n"));
  return kExitUsage;
}

std::string ResultJson(Error error, const VerifiedToken& token, const Policy& policy, int64_t now) {
  std::string out;
  if (error == Error::kOk) {
    // Header and claims are the token's own JSON texts, validated by simdjson: embedding them
    // returns every claim exactly as issued (large integers included).
    base::StrAppend(&out, "{\"valid\": true, \"header\": ", token.header_json,
                    ", \"claims\": ", token.payload_json, "}\n");
    return out;
  }
  base::StrAppend(&out, "{\"valid\": false, \"error\": \"", ErrorCode(error), "\", \"message\": ");
  base::AppendJsonQuoted(DescribeRejection(error, token, policy, now), out);
  base::StrAppend(&out, "}\n");
  return out;
}

}  // namespace

int VerifyCommand(std::span<const std::string_view> args, Io& io) {
  absl::StatusOr<VerifyOptions> options = ParseVerifyOptions(args);
  if (!options.ok()) {
    return Usage(io, base::StrCat(options.status().message(), " (see --help)"));
  }
  if (options->help) {
    WriteAll(io.out, kVerifyUsage);
    return kExitValid;
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = LoadKeys(*options);
  if (!keys.ok()) {
    return Usage(io, std::string(keys.status().message()));
  }
  absl::StatusOr<Verifier> verifier = Verifier::Create(options->policy, *keys);
  if (!verifier.ok()) {
    return Usage(io, std::string(verifier.status().message()));
  }

  std::string token;
  if (!options->token.has_value() || *options->token == "-") {
    token = ReadAll(io.in, kMaxInputBytes);
    token = std::string(absl::StripAsciiWhitespace(base::ToAbsl(token)));
  } else {
    token = *options->token;
  }

  const int64_t now = options->now.value_or(io.unix_now());
  VerifyScratch scratch;
  VerifiedToken result;
  ExplainTrace trace;
  const Error error =
      verifier->Verify(token, now, scratch, result, options->explain ? &trace : nullptr);
  if (error == Error::kMalformed && options->token.has_value() && *options->token != "-" &&
      NamesReadableFile(*options->token)) {
    return Usage(io, base::StrCat("TOKEN ", QuotePath(*options->token),
                                  " is a file path; pass the token itself, or - to read it "
                                  "from stdin: tokenwarden verify ... - < ",
                                  QuotePath(*options->token)));
  }
  if (options->explain) {
    WriteAll(io.out,
             FormatExplain(error, result, trace, verifier->policy(), verifier->keys(), now));
  } else {
    WriteAll(io.out, ResultJson(error, result, verifier->policy(), now));
  }
  return error == Error::kOk ? kExitValid : kExitInvalid;
}

}  // namespace tokenwarden::server::cli
