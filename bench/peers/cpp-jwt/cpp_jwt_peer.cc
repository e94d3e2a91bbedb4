// Peer harness: validates tokens with cpp-jwt (Debian's libcpp-jwt-dev, header-only, on
// OpenSSL) in a timed loop.
//
//   cpp-jwt --alg ALG (--token FILE | --tokens FILE) --key FILE --iss ISS --aud AUD --seconds S
//
// --token is one token; --tokens is a set, one token per line (bench/make_distinct.py), walked
// round-robin. Every token must validate, and a tampered signature, a wrong audience and a
// wrong issuer must be rejected, before anything is timed.
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
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

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

// CpuS is the CPU time the process has used so far: on a machine shared with other work it
// counts work, not waiting.
double CpuS() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double NowS() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::pair<long, double> Run(const Expect& e, const std::vector<std::string>& tokens, size_t& next,
                            double limit) {
  constexpr int kBatch = 16;
  const double start = NowS();
  long n = 0;
  for (;;) {
    for (int i = 0; i < kBatch; ++i) {
      std::string why = Validate(e, tokens[next]);
      next = next + 1 == tokens.size() ? 0 : next + 1;
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
  std::string token_path, tokens_path, key_path, iss, aud;
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (f == "--alg") {
      g_alg = v;
    } else if (f == "--token") {
      token_path = v;
    } else if (f == "--tokens") {
      tokens_path = v;
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
  if (g_alg.empty() || token_path.empty() == tokens_path.empty() || key_path.empty()) {
    std::fprintf(stderr,
                 "usage: cpp-jwt --alg ALG (--token FILE | --tokens FILE) --key FILE --iss ISS "
                 "--aud AUD --seconds S\n");
    return 64;
  }
  // cpp-jwt 1.4 knows HS*, RS*, ES*; no PS* and no EdDSA.
  const jwt::algorithm a = jwt::str_to_alg(g_alg);
  if (a == jwt::algorithm::UNKN || a == jwt::algorithm::NONE || a == jwt::algorithm::TERM) {
    Fail("unsupported", 2);
  }

  const std::string& path = token_path.empty() ? tokens_path : token_path;
  const std::string text = ReadFile(path);
  std::vector<std::string> tokens;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find_first_of("\r\n", start);
    end = end == std::string::npos ? text.size() : end;
    if (end > start) {
      tokens.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  if (tokens.empty()) {
    Fail(path + ": no token", 1);
  }
  const std::string& token = tokens[0];
  Expect e{g_alg, ReadFile(key_path), iss, aud};

  for (size_t i = 0; i < tokens.size(); ++i) {
    if (auto why = Validate(e, tokens[i]); !why.empty()) {
      Fail("token " + std::to_string(i + 1) + " does not validate: " + why, 1);
    }
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
  size_t next = 0;
  Run(e, tokens, next, warm);
  const double cpu0 = CpuS();
  auto [n, el] = Run(e, tokens, next, std::max(seconds, 0.01));
  const double cpu = CpuS() - cpu0;
  std::printf(
      "{\"peer\": \"cpp-jwt\", \"version\": %s, \"alg\": %s, \"tokens\": %zu, "
      "\"ops_per_sec\": %.1f, \"ops_per_cpu_sec\": %.1f, \"ok\": true}\n",
      JsonStr(CPP_JWT_VERSION).c_str(), JsonStr(g_alg).c_str(), tokens.size(),
      static_cast<double>(n) / el, static_cast<double>(n) / cpu);
  return 0;
}
