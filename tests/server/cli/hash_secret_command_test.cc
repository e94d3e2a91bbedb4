#include "server/cli/hash_secret_command.h"

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "server/config/secret_hash.h"

namespace tokenwarden::server::cli {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result RunCommand(std::vector<std::string_view> args, std::string_view stdin_data) {
  std::istringstream in{std::string(stdin_data)};
  std::ostringstream out;
  std::ostringstream err;
  Io io{.in = in, .out = out, .err = err};
  const int code = HashSecretCommand(args, io);
  return Result{code, out.str(), err.str()};
}

// Stored reads the printed line back; nullopt unless `out` is one line.
std::optional<SecretHash> Stored(const std::string& out) {
  if (!out.ends_with('\n') || out.find('\n') != out.size() - 1) {
    return std::nullopt;
  }
  absl::StatusOr<SecretHash> h = ParseSecretHash(std::string_view(out).substr(0, out.size() - 1));
  if (!h.ok()) {
    return std::nullopt;
  }
  return *std::move(h);
}

TEST(HashSecretCommandTest, HashesStdinWithSha256) {
  const Result r = RunCommand({}, "a-long-random-secret-0123456789\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ASSERT_TRUE(r.out.starts_with("sha256$")) << r.out;
  std::optional<SecretHash> h = Stored(r.out);
  ASSERT_TRUE(h.has_value()) << r.out;
  EXPECT_TRUE(VerifySecret(*h, "a-long-random-secret-0123456789"));
}

TEST(HashSecretCommandTest, HashesWithPbkdf2) {
  for (const std::vector<std::string_view>& args :
       {std::vector<std::string_view>{"--pbkdf2-iterations", "10000"},
        std::vector<std::string_view>{"--pbkdf2-iterations=10000"}}) {
    const Result r = RunCommand(args, "short");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");  // no short-secret warning: PBKDF2 is the recommended fix
    ASSERT_TRUE(r.out.starts_with("pbkdf2-sha256$10000$")) << r.out;
    std::optional<SecretHash> h = Stored(r.out);
    ASSERT_TRUE(h.has_value()) << r.out;
    EXPECT_TRUE(VerifySecret(*h, "short"));
  }
}

TEST(HashSecretCommandTest, StripsExactlyOneTrailingNewline) {
  struct Case {
    std::string_view in;
    std::string_view secret;
  };
  for (const Case& c : {Case{"secret-0123456789ab\n", "secret-0123456789ab"},
                        Case{"secret-0123456789ab\r\n", "secret-0123456789ab"},
                        Case{"secret-0123456789ab", "secret-0123456789ab"},
                        Case{"secret-0123456789ab\n\n", "secret-0123456789ab\n"},
                        Case{" spaced secret 0123 \n", " spaced secret 0123 "}}) {
    const Result r = RunCommand({}, c.in);
    ASSERT_EQ(r.code, 0) << r.err;
    std::optional<SecretHash> h = Stored(r.out);
    ASSERT_TRUE(h.has_value()) << r.out;
    EXPECT_TRUE(VerifySecret(*h, c.secret)) << c.in;
  }
}

TEST(HashSecretCommandTest, WarnsOnShortSha256Secret) {
  const Result r = RunCommand({}, "tooshort\n");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--pbkdf2-iterations"), std::string::npos) << r.err;
  std::optional<SecretHash> h = Stored(r.out);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(VerifySecret(*h, "tooshort"));
}

TEST(HashSecretCommandTest, RefusesEmptySecret) {
  for (std::string_view in : {"", "\n", "\r\n"}) {
    const Result r = RunCommand({}, in);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  }
}

TEST(HashSecretCommandTest, RefusesOverlongSecret) {
  const Result r = RunCommand({}, std::string(1025, 'x'));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(RunCommand({}, std::string(1024, 'x')).code, 0);
}

TEST(HashSecretCommandTest, PrintsHelp) {
  for (std::string_view flag : {"--help", "-h"}) {
    const Result r = RunCommand({flag}, "");
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(r.out.starts_with("usage: tokenwarden hash-secret")) << r.out;
    EXPECT_EQ(r.err, "");
  }
}

TEST(HashSecretCommandTest, UsageErrors) {
  const std::vector<std::vector<std::string_view>> bad = {
      {"--unknown"},
      {"-x"},
      {"the-secret"},  // never from argv
      {"--pbkdf2-iterations"},
      {"--pbkdf2-iterations", "abc"},
      {"--pbkdf2-iterations", "9999"},
      {"--pbkdf2-iterations", "0"},
      {"--pbkdf2-iterations", "-10000"},
      {"--pbkdf2-iterations", "+10000"},
      {"--pbkdf2-iterations", "10000x"},
      {"--pbkdf2-iterations", "10000001"},
      {"--pbkdf2-iterations", "99999999999999999999"},
      {"--pbkdf2-iterations="},
  };
  for (const std::vector<std::string_view>& args : bad) {
    const Result r = RunCommand(args, "a-long-random-secret-0123456789\n");
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_NE(r.err.find("usage:"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace tokenwarden::server::cli
