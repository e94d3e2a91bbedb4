#include "server/cli/hash_secret_command.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>

#include "base/str_cat.h"
#include "server/config/secret_hash.h"

namespace tokenwarden::server::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

// Below this many bytes a fast hash can be brute-forced from a leaked configuration.
constexpr size_t kShortSecretLen = 16;
// Longer secrets gain nothing and, form-encoded and in Base64, may no longer fit the 4 KiB
// Authorization value ParseBasicAuthorization accepts.
constexpr size_t kMaxSecretLen = 1024;

constexpr char kUsage[] =
    "usage: tokenwarden hash-secret [--pbkdf2-iterations N] < secret\n"
    "\n"
    "Reads a client secret from stdin (one trailing newline is dropped) and prints the\n"
    "stored form for a client's \"secret_hash\" field in the serve configuration:\n"
    "  sha256$<salt>$<digest>                  (default; for long random secrets)\n"
    "  pbkdf2-sha256$<N>$<salt>$<digest>       (with --pbkdf2-iterations N, N >= 10000)\n"
    "\n"
    "  --pbkdf2-iterations N   derive with PBKDF2-HMAC-SHA256, N iterations\n"
    "  --help                  this text\n";

int Usage(std::ostream& err, std::string_view message) {
  WriteAll(err, base::StrCat("tokenwarden hash-secret: ", message, "\n", kUsage));
  return kExitUsage;
}

// ParseIterations accepts plain decimal digits within the stored form's bounds.
std::optional<uint32_t> ParseIterations(std::string_view text) {
  uint32_t n = 0;
  const char* end = text.data() + text.size();
  const std::from_chars_result r = std::from_chars(text.data(), end, n);
  if (text.empty() || text[0] < '0' || text[0] > '9' || r.ec != std::errc() || r.ptr != end ||
      n < kMinSecretHashIterations || n > kMaxSecretHashIterations) {
    return std::nullopt;
  }
  return n;
}

// StripOneNewline drops one trailing "\n" or "\r\n" (what `echo` or a file's last line adds).
std::string_view StripOneNewline(std::string_view s) {
  if (s.ends_with("\r\n")) {
    s.remove_suffix(2);
  } else if (s.ends_with('\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

int HashSecretCommand(std::span<const std::string_view> args, Io& io) {
  std::ostream& err = io.err;
  uint32_t iterations = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      WriteAll(io.out, kUsage);
      return kExitOk;
    }
    std::optional<std::string_view> value;
    if (arg == "--pbkdf2-iterations") {
      if (i + 1 == args.size()) {
        return Usage(err, "--pbkdf2-iterations needs a value");
      }
      value = args[++i];
    } else if (arg.starts_with("--pbkdf2-iterations=")) {
      value = arg.substr(arg.find('=') + 1);
    } else if (arg.starts_with('-')) {
      return Usage(err, base::StrCat("unknown option \"", arg, "\""));
    } else {
      return Usage(err, "the secret is read from stdin, not from the arguments");
    }
    const std::optional<uint32_t> n = ParseIterations(*value);
    if (!n.has_value()) {
      return Usage(err,
                   base::StrCat("--pbkdf2-iterations: \"", *value, "\" is not a whole number from ",
                                kMinSecretHashIterations, " to ", kMaxSecretHashIterations));
    }
    iterations = *n;
  }
  // Bounded like any input; the size check below names an overlong secret's length.
  const std::string input = ReadAll(io.in, 4 << 20);
  const std::string_view secret = StripOneNewline(input);
  if (secret.empty()) {
    WriteAll(err, "tokenwarden hash-secret: the secret (stdin) is empty\n");
    return kExitUsage;
  }
  if (secret.size() > kMaxSecretLen) {
    WriteAll(err, base::StrCat("tokenwarden hash-secret: the secret is ", secret.size(),
                               " bytes; the limit is ", kMaxSecretLen, "\n"));
    return kExitUsage;
  }
  if (iterations == 0 && secret.size() < kShortSecretLen) {
    WriteAll(err,
             base::StrCat("tokenwarden hash-secret: warning: the secret is only ", secret.size(),
                          " bytes and sha256 is fast to brute-force; use a random ",
                          "secret of 16 bytes or more, or --pbkdf2-iterations 600000\n"));
  }
  WriteAll(io.out, base::StrCat(HashSecret(secret, iterations), "\n"));
  return kExitOk;
}

}  // namespace tokenwarden::server::cli
