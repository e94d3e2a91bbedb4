// In-process tests of the command line: each command runs through MainCommand with string
// streams for its Io, the way the binary runs it with the standard ones.
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "server/cli/io.h"
#include "server/cli/main_command.h"
#include "tests/core/test_tokens.h"
#include "tests/server/cli/temp_file.h"

namespace tokenwarden::server::cli {
namespace {

using base::StrCat;

struct Result {
  int code;
  std::string out;
  std::string err;
  bool read_input;  // the command read (to the end of) its input
};

Result Invoke(std::vector<std::string> args, std::string input = "") {
  const std::vector<std::string_view> views(args.begin(), args.end());
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  Io io{.in = in, .out = out, .err = err, .unix_now = [] { return testing::kNow; }};
  const int code = MainCommand(views, io);
  return Result{code, out.str(), err.str(), in.eof()};
}

TEST(CliMainTest, NoCommandIsAUsageError) {
  const Result r = Invoke({});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("usage: tokenwarden <command>"), std::string::npos) << r.err;
}

TEST(CliMainTest, HelpGoesToOut) {
  const Result r = Invoke({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("hash-secret"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(CliMainTest, UnknownCommand) {
  const Result r = Invoke({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("unknown command \"frobnicate\""), std::string::npos) << r.err;
}

TEST(CliServeTest, HelpExitsZeroWithUsageOnOut) {
  const Result r = Invoke({"serve", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("usage: tokenwarden serve --config FILE"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(CliServeTest, UnknownOptionExitsTwoWithTheMessageOnErr) {
  const Result r = Invoke({"serve", "--frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("tokenwarden: unknown option \"--frobnicate\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: tokenwarden serve"), std::string::npos) << r.err;
}

TEST(CliServeTest, ConfigAndDemoAreExclusive) {
  const Result r = Invoke({"serve", "--demo", "--config", "x.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("give exactly one of --config FILE and --demo"), std::string::npos) << r.err;
}

TEST(CliServeTest, MissingConfigurationIsAConfigurationError) {
  const Result r = Invoke({"serve", "--check", "--config", "/nonexistent/tokenwarden.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("tokenwarden: configuration error: "), std::string::npos) << r.err;
}

TEST(CliHashSecretTest, ReadsTheSecretFromInput) {
  const Result r = Invoke({"hash-secret"}, "a-long-random-client-secret\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.read_input);
  EXPECT_TRUE(r.out.ends_with("\n")) << r.out;
  EXPECT_EQ(r.out.find("a-long-random-client-secret"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(CliHashSecretTest, EmptyInputIsRefused) {
  const Result r = Invoke({"hash-secret"}, "");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("the secret (stdin) is empty"), std::string::npos) << r.err;
}

TEST(CliHashSecretTest, HelpDoesNotWaitForInput) {
  const Result r = Invoke({"hash-secret", "--help"}, "never read\n");
  EXPECT_EQ(r.code, 0);
  EXPECT_FALSE(r.read_input);
  EXPECT_NE(r.out.find("hash-secret"), std::string::npos) << r.out;
}

TEST(CliVerifyTest, VerifiesATokenAgainstAKeyFile) {
  const testing::TestKey& key = testing::EcKey(Algorithm::kEs256);
  const std::string pem = testing::WriteTemp(key.Pem(), ".pem");
  const std::string token = testing::MintAlg(
      Algorithm::kEs256, key, StrCat(R"({"sub":"user-1","exp":)", testing::kNow + 60, "}"));
  // No --now: the command reads the clock from its Io.
  const Result r = Invoke({"verify", "--key", pem, token});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"valid\": true"), std::string::npos) << r.out;
  EXPECT_FALSE(r.read_input);
}

TEST(CliVerifyTest, ReadsTheTokenFromInput) {
  const testing::TestKey& key = testing::EcKey(Algorithm::kEs256);
  const std::string pem = testing::WriteTemp(key.Pem(), ".pem");
  const std::string token = testing::MintAlg(
      Algorithm::kEs256, key, StrCat(R"({"sub":"user-1","exp":)", testing::kNow - 60, "}"));
  const Result r = Invoke({"verify", "--key", pem}, token + "\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.read_input);
  EXPECT_NE(r.out.find("\"valid\": false"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tokenwarden::server::cli
