// Runs every tests/testdata/**/cases.json manifest (RFC 7515 / 7520 / 8037 vectors, node-jose
// interop tokens, provider-shaped fixtures, JWK Set edge cases) through the core directly:
// the case's CLI arguments are parsed with ParseVerifyOptions, then KeySet + Verifier decide.
// The CLI suite runs the same manifests through the binary; this one pins the core.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "core/error.h"
#include "core/key_set.h"
#include "core/verifier.h"
#include "server/cli/verify_options.h"
#include "tests/core/test_tokens.h"
#include "tests/source_path.h"

namespace tokenwarden::server::cli {
namespace {

struct FixtureCase {
  std::string id;        // the test name: the case name sanitized to CamelCase alnum
  std::string manifest;  // path of the cases.json it came from
  std::string name;
  std::string token;
  std::string key_path;  // absolute
  bool jwks = false;
  std::vector<std::string> args;
  std::string expect;
  std::string load_error;  // set when the manifest entry itself is unreadable
};

// CamelCase turns "rfc7515-a1-hs256-valid" into "Rfc7515A1Hs256Valid".
std::string CamelCase(std::string_view name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out.empty() ? "Unnamed" : out;
}

std::string GetString(simdjson::dom::object object, std::string_view key) {
  std::string_view s;
  if (object[key].get_string().get(s) != simdjson::SUCCESS) {
    return "";
  }
  return std::string(s);
}

// TestdataDir is tests/testdata, where the vectors' manifests and files are.
std::string TestdataDir() { return SourcePath("tests/testdata"); }

std::vector<std::string> Manifests() {
  std::vector<std::string> paths;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(TestdataDir(), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().filename() == "cases.json") {
      paths.push_back(it->path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

void LoadManifest(const std::string& path, std::vector<FixtureCase>& out) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  FixtureCase broken;
  broken.manifest = path;
  broken.id = CamelCase(std::filesystem::relative(path, TestdataDir()).string());
  simdjson::dom::parser parser;
  simdjson::padded_string json;
  simdjson::dom::object root;
  simdjson::dom::array cases;
  if (simdjson::padded_string::load(path).get(json) != simdjson::SUCCESS ||
      parser.parse(json).get(root) != simdjson::SUCCESS ||
      root["cases"].get_array().get(cases) != simdjson::SUCCESS) {
    broken.load_error = "not a manifest with a \"cases\" array";
    out.push_back(broken);
    return;
  }
  if (GetString(root, "origin").empty()) {
    broken.load_error = "the manifest has no \"origin\"";
    out.push_back(broken);
  }
  for (simdjson::dom::element entry : cases) {
    FixtureCase c;
    c.manifest = path;
    simdjson::dom::object o;
    if (entry.get_object().get(o) != simdjson::SUCCESS) {
      broken.load_error = "a case is not an object";
      out.push_back(broken);
      continue;
    }
    c.name = GetString(o, "name");
    c.id = CamelCase(c.name);
    c.expect = GetString(o, "expect");
    c.token = GetString(o, "token");
    const std::string token_file = GetString(o, "token_file");
    if (!token_file.empty()) {
      std::optional<std::string> contents = testing::ReadFile((dir / token_file).string());
      if (!contents.has_value()) {
        c.load_error = "cannot read token_file " + token_file;
      }
      c.token = contents.value_or("");
    }
    const std::string jwks = GetString(o, "jwks");
    const std::string key = GetString(o, "key");
    c.jwks = !jwks.empty();
    c.key_path = (dir / (c.jwks ? jwks : key)).string();
    if (jwks.empty() == key.empty()) {
      c.load_error = "a case needs exactly one of jwks and key";
    }
    simdjson::dom::array args;
    if (o["args"].get_array().get(args) == simdjson::SUCCESS) {
      for (simdjson::dom::element arg : args) {
        std::string_view s;
        if (arg.get_string().get(s) == simdjson::SUCCESS) {
          c.args.emplace_back(s);
        } else {
          c.load_error = "an arg is not a string";
        }
      }
    }
    if (c.name.empty() || c.expect.empty() || c.token.empty()) {
      c.load_error = "a case needs name, expect and token or token_file";
    }
    out.push_back(std::move(c));
  }
}

std::vector<FixtureCase> AllCases() {
  std::vector<FixtureCase> cases;
  for (const std::string& path : Manifests()) {
    LoadManifest(path, cases);
  }
  // Test names must be unique; disambiguate (and flag) collisions.
  std::set<std::string> seen;
  for (FixtureCase& c : cases) {
    std::string id = c.id;
    for (int i = 2; !seen.insert(id).second; ++i) {
      id = c.id + std::to_string(i);
    }
    c.id = id;
  }
  return cases;
}

class RfcVectorsTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(RfcVectorsTest, MatchesExpectedOutcome) {
  const FixtureCase& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.manifest << ": " << c.load_error;
  SCOPED_TRACE(c.manifest + ": " + c.name);
  ASSERT_TRUE(c.expect == "valid" || c.expect == "exit2" || ParseErrorCode(c.expect).has_value())
      << "unknown expect \"" << c.expect << "\"";

  std::vector<std::string> args = c.args;
  args.emplace_back(c.jwks ? "--jwks" : "--key");
  args.push_back(c.key_path);
  args.push_back(c.token);
  const std::vector<std::string_view> views(args.begin(), args.end());
  absl::StatusOr<VerifyOptions> options =
      ParseVerifyOptions(std::span<const std::string_view>(views));
  if (!options.ok()) {
    EXPECT_EQ(c.expect, "exit2") << "usage error: " << options.status();
    return;
  }
  ASSERT_TRUE(options->now.has_value()) << "fixtures always pin --now";

  std::optional<std::string> contents = testing::ReadFile(c.key_path);
  ASSERT_TRUE(contents.has_value()) << "cannot read " << c.key_path;
  absl::StatusOr<std::shared_ptr<const KeySet>> keys =
      c.jwks ? KeySet::FromJwks(*contents) : KeySet::FromKeyFile(*contents);
  if (!keys.ok()) {
    EXPECT_EQ(c.expect, "exit2") << "key error: " << keys.status();
    return;
  }
  absl::StatusOr<Verifier> verifier = Verifier::Create(options->policy, *keys);
  if (!verifier.ok()) {
    EXPECT_EQ(c.expect, "exit2") << "configuration error: " << verifier.status();
    return;
  }
  ASSERT_NE(c.expect, "exit2") << "keys and options were accepted";

  VerifyScratch scratch;
  VerifiedToken out;
  const Error error = verifier->Verify(*options->token, *options->now, scratch, out);
  EXPECT_EQ(error == Error::kOk ? std::string("valid") : std::string(ErrorCode(error)), c.expect)
      << "detail: " << out.detail;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RfcVectorsTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<FixtureCase>& p) { return p.param.id; });

TEST(RfcVectorsManifestTest, FindsEveryFixtureDirectory) {
  const std::vector<std::string> manifests = Manifests();
  std::set<std::string> dirs;
  for (const std::string& m : manifests) {
    dirs.insert(
        std::filesystem::relative(std::filesystem::path(m).parent_path(), TestdataDir()).string());
  }
  for (std::string_view want :
       {"rfc", "interop/jose", "keysets", "providers/okta", "providers/keycloak", "providers/auth0",
        "providers/entra", "providers/telenor"}) {
    EXPECT_EQ(dirs.count(std::string(want)), 1u) << want;
  }
}

TEST(RfcVectorsManifestTest, CaseNamesAreUniqueAndCovered) {
  const std::vector<FixtureCase> cases = AllCases();
  EXPECT_GE(cases.size(), 100u);
  std::set<std::string> names;
  std::set<std::string> expects;
  for (const FixtureCase& c : cases) {
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate case name " << c.name;
    expects.insert(c.expect);
  }
  for (std::string_view want : {"valid", "exit2", "expired", "invalid_signature", "malformed",
                                "key_not_found", "algorithm_not_allowed", "invalid_audience"}) {
    EXPECT_EQ(expects.count(std::string(want)), 1u) << want;
  }
}

}  // namespace
}  // namespace tokenwarden::server::cli
