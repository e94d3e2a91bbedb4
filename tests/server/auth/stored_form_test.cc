// HashSecret's output against the configuration's own parser (server/config), so the two
// sides of the stored form cannot drift apart. Built when tokenwarden::server_config exists.
#include <string>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "server/auth/client_auth.h"
#include "server/config/config.h"

namespace tokenwarden::server {
namespace {

TEST(StoredFormTest, ParseSecretHashAcceptsHashSecretOutput) {
  for (const uint32_t iterations : {0u, 10000u, 600000u}) {
    const std::string stored = HashSecret("client-secret-0123456789", iterations);
    absl::StatusOr<SecretHash> parsed = ParseSecretHash(stored);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << " for " << stored;
    EXPECT_EQ(parsed->iterations, iterations);
    EXPECT_TRUE(VerifySecret(*parsed, "client-secret-0123456789"));
    EXPECT_FALSE(VerifySecret(*parsed, "client-secret-012345678"));
  }
}

TEST(StoredFormTest, EmptySecretHasNoStoredForm) {
  EXPECT_FALSE(ParseSecretHash(HashSecret("", 0)).ok());
}

}  // namespace
}  // namespace tokenwarden::server
