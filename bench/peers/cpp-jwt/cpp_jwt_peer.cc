// Peer harness: validates one token with cpp-jwt (Debian's libcpp-jwt-dev, header-only, on
// OpenSSL) in a timed loop.
//
//   cpp-jwt --alg ALG --token FILE --key FILE --iss ISS --aud AUD --seconds S
//
// Prints one JSON line: {"peer":..,"version":..,"alg":..,"ops_per_sec":..,"ok":true}
// or {"peer":..,"version":..,"alg":..,"ok":false,"error":".."}.
//
// jwt::decode() checks the alg allow-list, exp (only when present), iss and aud, then the
// signature.  A resource server also needs exp to be present, so that is checked here after
// each decode.  The key is handed over as PEM text: cpp-jwt has no prepared-key form and
// reads the PEM on every verification.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include <jwt/jwt.hpp>

#ifndef CPP_JWT_VERSION
#define CPP_JWT_VERSION "unknown"
#endif

namespace {

std::string g_alg;

std::string JsonStr(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

[[noreturn]] void Fail(const std::string& msg, int code) {
  std::printf(
      "{\"peer\": \"cpp-jwt\", \"version\": %s, \"alg\": %s, \"ok\": false, \"error\": %s}\n",
      JsonStr(CPP_JWT_VERSION).c_str(), JsonStr(g_alg).c_str(), JsonStr(msg).c_str());
  std::exit(code);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Fail("reading " + path + ": cannot open", 1);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Expect {
  std::string alg, key, iss, aud;
};

// Full validation; empty string on success, otherwise the reason.
std::string Validate(const Expect& e, const std::string& token) {
  std::error_code ec;
  auto obj =
      jwt::decode(token, jwt::params::algorithms({e.alg}), ec, jwt::params::secret(e.key),
                  jwt::params::issuer(e.iss), jwt::params::aud(e.aud), jwt::params::verify(true));
  if (ec) {
    return ec.message();
  }
  if (!obj.has_claim("exp")) {
    return "exp missing";
  }
  return {};
}

double NowS() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::pair<long, double> Run(const Expect& e, const std::string& token, double limit) {
  constexpr int kBatch = 16;
  const double start = NowS();
  long n = 0;
  for (;;) {
    for (int i = 0; i < kBatch; ++i) {
      std::string why = Validate(e, token);
      if (!why.empty()) {
        Fail("validation failed in the loop: " + why, 1);
      }
    }
    n += kBatch;
    const double el = NowS() - start;
    if (el >= limit) {
      return {n, el};
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string token_path, key_path, iss, aud;
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (f == "--alg") {
      g_alg = v;
    } else if (f == "--token") {
      token_path = v;
    } else if (f == "--key") {
      key_path = v;
    } else if (f == "--iss") {
      iss = v;
    } else if (f == "--aud") {
      aud = v;
    } else if (f == "--seconds") {
      seconds = std::atof(v.c_str());
    } else {
      std::fprintf(stderr, "cpp-jwt: unknown flag %s\n", f.c_str());
      return 64;
    }
  }
  if (g_alg.empty() || token_path.empty() || key_path.empty()) {
    std::fprintf(stderr,
                 "usage: cpp-jwt --alg ALG --token FILE --key FILE --iss ISS --aud AUD "
                 "--seconds S\n");
    return 64;
  }
  // cpp-jwt 1.4 knows HS*, RS*, ES*; no PS* and no EdDSA.
  const jwt::algorithm a = jwt::str_to_alg(g_alg);
  if (a == jwt::algorithm::UNKN || a == jwt::algorithm::NONE || a == jwt::algorithm::TERM) {
    Fail("unsupported", 2);
  }

  std::string token = ReadFile(token_path);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  Expect e{g_alg, ReadFile(key_path), iss, aud};

  if (auto why = Validate(e, token); !why.empty()) {
    Fail("first validation failed: " + why, 1);
  }
  std::string bad = token;
  if (auto dot = bad.rfind('.'); dot != std::string::npos && dot + 1 < bad.size()) {
    bad[dot + 1] = bad[dot + 1] == 'A' ? 'B' : 'A';
  }
  if (Validate(e, bad).empty()) {
    Fail("tampered token accepted", 1);
  }
  Expect wrong = e;
  wrong.aud = "not-the-audience";
  if (Validate(wrong, token).empty()) {
    Fail("wrong audience accepted", 1);
  }
  wrong = e;
  wrong.iss = "https://not-the-issuer.example";
  if (Validate(wrong, token).empty()) {
    Fail("wrong issuer accepted", 1);
  }

  double warm = std::min(std::max(seconds * 0.1, 0.05), 0.25);
  Run(e, token, warm);
  auto [n, el] = Run(e, token, std::max(seconds, 0.01));
  std::printf(
      "{\"peer\": \"cpp-jwt\", \"version\": %s, \"alg\": %s, \"ops_per_sec\": %.1f, "
      "\"ok\": true}\n",
      JsonStr(CPP_JWT_VERSION).c_str(), JsonStr(g_alg).c_str(), static_cast<double>(n) / el);
  return 0;
}
