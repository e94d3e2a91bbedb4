#include "core/http_uri.h"

#include <string>

#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

TEST(HttpUriTest, SyntaxAndSchemeNormalization) {
  EXPECT_EQ(NormalizeHttpUri("HTTPS://Server.Example.COM:443/a/./b/../token?x=1#frag"),
            "https://server.example.com/a/token");
  EXPECT_EQ(NormalizeHttpUri("http://h.test:80"), "http://h.test/");
  EXPECT_EQ(NormalizeHttpUri("http://h.test:"), "http://h.test/");
  EXPECT_EQ(NormalizeHttpUri("https://h.test:08443/x"), "https://h.test:8443/x");
  EXPECT_EQ(NormalizeHttpUri("http://h.test:443/x"), "http://h.test:443/x");
  EXPECT_EQ(NormalizeHttpUri("https://h.test/%7euser/%2f"), "https://h.test/~user/%2F");
  EXPECT_EQ(NormalizeHttpUri("https://h.test/a/b/c/./../../g"), "https://h.test/a/g");
  EXPECT_EQ(NormalizeHttpUri("https://h.test/a/."), "https://h.test/a/");
  EXPECT_EQ(NormalizeHttpUri("https://h.test/../../x"), "https://h.test/x");
  EXPECT_EQ(NormalizeHttpUri("https://h.test/a//b/"), "https://h.test/a//b/");
  EXPECT_EQ(NormalizeHttpUri("https://[2001:DB8::1]:443/p"), "https://[2001:db8::1]/p");
  EXPECT_EQ(NormalizeHttpUri("https://[2001:db8::1]:8443"), "https://[2001:db8::1]:8443/");
  // A byte a URI may not hold literally compares as its percent-encoding.
  EXPECT_EQ(NormalizeHttpUri("https://h.test/caf\xc3\xa9"), "https://h.test/caf%C3%A9");
  EXPECT_EQ(NormalizeHttpUri("https://h.test/caf%c3%a9"), "https://h.test/caf%C3%A9");
}

TEST(HttpUriTest, PathCaseAndSchemeStillMatter) {
  EXPECT_NE(NormalizeHttpUri("https://h.test/x"), NormalizeHttpUri("https://h.test/X"));
  EXPECT_NE(NormalizeHttpUri("https://h.test/x"), NormalizeHttpUri("http://h.test/x"));
  EXPECT_NE(NormalizeHttpUri("https://h.test/a%2Fb"), NormalizeHttpUri("https://h.test/a/b"));
}

TEST(HttpUriTest, RefusesWhatHasNoSuchForm) {
  for (const char* uri :
       {"", "not a url", "ftp://h.test/x", "https:/h.test/x", "https://", "https:///x",
        "https://user@h.test/x", "https://h.test:99999/x", "https://h.test:8a/x",
        "https://h.test:123456/x", "https://h.test/a%2", "https://h.test/a%zz",
        "https://h.test/a b", "https://h.test/a\tb", "https://h.test/\x7f", "urn:x:y",
        // Found by dpop_proof_fuzzer: a host with a ':' of its own normalised to a URL whose
        // host and port read differently the second time.
        "https://R=SAp:s://R=SA\"99/", "https://a:b:443/", "https://[::1/", "https://[zz]/",
        "https://h]/"}) {
    EXPECT_EQ(NormalizeHttpUri(uri), std::nullopt) << uri;
  }
  EXPECT_EQ(NormalizeHttpUri("https://h.test/" + std::string(kMaxHttpUriBytes, 'a')), std::nullopt);
}

}  // namespace
}  // namespace tokenwarden
