#include "core/dpop.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include <openssl/sha.h>
#include <simdjson.h>

#include "base/base64url.h"
#include "core/compact.h"
#include "core/header.h"
#include "core/http_uri.h"
#include "core/internal/jose_json.h"
#include "core/internal/jwk.h"
#include "core/key.h"
#include "core/signature.h"

namespace tokenwarden {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// kMaxJtiBytes bounds the jti a replay cache keeps a digest of (RFC 9449 §11.1 suggests 96
// bits of randomness; 256 bytes is far more than any client sends).
constexpr size_t kMaxJtiBytes = 256;

// Scratch is one thread's parsers and buffers, reused from proof to proof.
struct Scratch {
  simdjson::dom::parser header_parser;
  simdjson::dom::parser payload_parser;
  internal::HeaderStorage header_storage;
  std::vector<std::string_view> names;
  std::vector<std::string_view> sorted;
  std::string header_json;
  std::string payload_json;
  std::string signature;
};

DpopResult Invalid(std::string_view detail) { return {Error::kInvalidDpopProof, detail, {}}; }

bool Decode(std::string_view segment, std::string& out) {
  const std::optional<size_t> length = base::Base64UrlDecodedLength(segment.size());
  if (!length.has_value() || *length == 0) {
    return false;
  }
  out.resize(*length);
  return base::Base64UrlDecode(segment, reinterpret_cast<uint8_t*>(out.data()));
}

// The claims of a proof's payload (RFC 9449 §4.2).
struct ProofClaims {
  std::string_view jti, htm, htu;
  std::optional<std::string_view> ath, nonce;
  std::optional<double> iat;
};

// ReadProofClaims types the payload; nullopt-free detail on failure.
std::string_view ReadProofClaims(object payload, Scratch& scratch, ProofClaims& out) {
  scratch.names.clear();
  bool has_jti = false, has_htm = false, has_htu = false;
  for (auto [key, value] : payload) {
    scratch.names.push_back(key);
    std::string_view text;
    const bool is_string = value.get_string().get(text) == simdjson::SUCCESS;
    if (key == "jti" || key == "htm" || key == "htu" || key == "ath" || key == "nonce") {
      if (!is_string) {
        return "a DPoP proof's jti, htm, htu, ath and nonce must be strings";
      }
      if (key == "jti") {
        out.jti = text;
        has_jti = true;
      } else if (key == "htm") {
        out.htm = text;
        has_htm = true;
      } else if (key == "htu") {
        out.htu = text;
        has_htu = true;
      } else if (key == "ath") {
        out.ath = text;
      } else {
        out.nonce = text;
      }
    } else if (key == "iat") {
      double iat = 0;
      if (value.get_double().get(iat) != simdjson::SUCCESS || !std::isfinite(iat)) {
        return "the DPoP proof's iat is not a number";
      }
      out.iat = iat;
    }
  }
  if (internal::HasDuplicateNames(scratch.names, scratch.sorted)) {
    return "the DPoP proof's payload has a duplicate member name";
  }
  if (!has_jti || !has_htm || !has_htu || !out.iat.has_value()) {
    return "the DPoP proof lacks jti, htm, htu or iat (RFC 9449 section 4.2)";
  }
  if (out.jti.empty() || out.jti.size() > kMaxJtiBytes) {
    return "the DPoP proof's jti is empty or longer than 256 bytes";
  }
  return {};
}

// HasPrivateMember: RFC 9449 §4.3 item 7, the jwk must not hold a private key.
bool HasPrivateMember(object jwk) {
  for (const std::string_view name : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk[name].error() == simdjson::SUCCESS) {
      return true;
    }
  }
  return false;
}

// CheckRequest applies the checks against the request (htm, htu, iat, ath, nonce).
DpopResult CheckRequest(const ProofClaims& claims, const DpopRequest& request,
                        const DpopOptions& options) {
  if (claims.htm != request.method) {
    return Invalid("the DPoP proof's htm is not the request's method");
  }
  const std::optional<std::string> htu = NormalizeHttpUri(claims.htu);
  if (!htu.has_value()) {
    return Invalid("the DPoP proof's htu is not an http or https URL");
  }
  const std::optional<std::string> url = NormalizeHttpUri(request.url);
  if (!url.has_value() || *htu != *url) {
    return Invalid("the DPoP proof's htu is not the request's URL");
  }
  const double now = static_cast<double>(request.now);
  const double iat = *claims.iat;
  if (now - iat > static_cast<double>(options.max_age_seconds + options.leeway_seconds)) {
    return Invalid("the DPoP proof is too old (its iat)");
  }
  if (iat - now > static_cast<double>(options.max_future_seconds + options.leeway_seconds)) {
    return Invalid("the DPoP proof is issued in the future (its iat)");
  }
  if (!request.access_token.empty()) {
    if (!claims.ath.has_value()) {
      return Invalid("the DPoP proof lacks ath, the hash of the access token");
    }
    if (*claims.ath != AccessTokenHash(request.access_token)) {
      return Invalid("the DPoP proof's ath is not the hash of this access token");
    }
  }
  if (request.nonce.has_value() && claims.nonce != request.nonce) {
    return {Error::kUseDpopNonce,
            claims.nonce.has_value() ? "the DPoP proof's nonce is not the current one"
                                     : "the DPoP proof lacks the server's nonce",
            {}};
  }
  return {};
}

DpopReplayKey ReplayKeyOf(std::string_view jkt, std::string_view jti) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, "tokenwarden-dpop", 16);
  SHA256_Update(&ctx, jkt.data(), jkt.size());
  SHA256_Update(&ctx, "", 1);  // the thumbprint has a fixed length; the separator is for clarity
  SHA256_Update(&ctx, jti.data(), jti.size());
  std::array<uint8_t, SHA256_DIGEST_LENGTH> digest;
  SHA256_Final(digest.data(), &ctx);
  DpopReplayKey key;
  std::copy_n(digest.begin(), key.size(), key.begin());
  return key;
}

}  // namespace

AlgorithmSet DpopAlgorithms() {
  AlgorithmSet set;
  for (int i = 0; i < kNumAlgorithms; ++i) {
    const auto alg = static_cast<Algorithm>(i);
    if (RequiredKeyType(alg) != KeyType::kOct) {
      set.Add(alg);
    }
  }
  return set;
}

std::string AccessTokenHash(std::string_view token) {
  std::array<uint8_t, SHA256_DIGEST_LENGTH> digest;
  SHA256(reinterpret_cast<const uint8_t*>(token.data()), token.size(), digest.data());
  return base::Base64UrlEncode(digest);
}

DpopResult VerifyDpopProof(std::string_view proof, const DpopRequest& request,
                           const DpopOptions& options) {
  if (proof.size() > options.max_proof_bytes) {
    return Invalid("the DPoP proof is larger than the configured maximum");
  }
  const std::optional<CompactParts> parts = SplitCompact(proof);
  thread_local Scratch scratch;
  if (!parts.has_value() || !Decode(parts->header, scratch.header_json) ||
      !Decode(parts->payload, scratch.payload_json) ||
      !Decode(parts->signature, scratch.signature)) {
    return Invalid("the DPoP proof is not a compact JWS of three base64url segments");
  }
  element header_root;
  object header_object;
  if (scratch.header_parser.parse(scratch.header_json).get(header_root) != simdjson::SUCCESS ||
      header_root.get_object().get(header_object) != simdjson::SUCCESS) {
    return Invalid("the DPoP proof's header is not a JSON object");
  }
  Header header;
  std::string_view why;
  if (internal::ReadHeader(header_root, header, scratch.header_storage, why,
                           internal::AlgNames::kJwsAndEd25519) != Error::kOk) {
    return Invalid("the DPoP proof's header is malformed or its alg is not supported");
  }
  if (header.has_crit) {
    return Invalid("the DPoP proof lists a critical header parameter we do not understand");
  }
  if (header.typ != "dpop+jwt") {
    return Invalid("the DPoP proof's typ is not dpop+jwt");
  }
  if (!options.algorithms.Contains(header.alg)) {
    return Invalid("the DPoP proof's alg is not an allowed asymmetric algorithm");
  }
  object jwk;
  if (header_object["jwk"].get_object().get(jwk) != simdjson::SUCCESS) {
    return Invalid("the DPoP proof's header has no jwk object");
  }
  if (HasPrivateMember(jwk)) {
    return Invalid("the DPoP proof's jwk holds a private key");
  }
  element payload_root;
  object payload;
  if (scratch.payload_parser.parse(scratch.payload_json).get(payload_root) != simdjson::SUCCESS ||
      payload_root.get_object().get(payload) != simdjson::SUCCESS) {
    return Invalid("the DPoP proof's payload is not a JSON object");
  }
  ProofClaims claims;
  if (const std::string_view detail = ReadProofClaims(payload, scratch, claims); !detail.empty()) {
    return Invalid(detail);
  }
  // The checks against the request cost little; the key import and signature come last.
  if (DpopResult checked = CheckRequest(claims, request, options); checked.error != Error::kOk) {
    return checked;
  }
  absl::StatusOr<Key> key = internal::KeyFromJwkObject(jwk);
  if (!key.ok() || !key->algorithms().Contains(header.alg)) {
    return Invalid("the DPoP proof's jwk is not a public key that fits its alg");
  }
  absl::StatusOr<std::string> jkt = internal::JwkThumbprintOfObject(jwk);
  if (!jkt.ok()) {
    return Invalid("the DPoP proof's jwk has no RFC 7638 thumbprint");
  }
  const std::span<const uint8_t> signature(
      reinterpret_cast<const uint8_t*>(scratch.signature.data()), scratch.signature.size());
  if (VerifySignature(header.alg, *key, parts->signing_input, signature) != Error::kOk) {
    return Invalid("the DPoP proof's signature does not verify with its jwk");
  }
  DpopResult result;
  result.proof.jkt = *std::move(jkt);
  result.proof.jti = std::string(claims.jti);
  if (claims.nonce.has_value()) {
    result.proof.nonce = std::string(*claims.nonce);
  }
  result.proof.iat = static_cast<int64_t>(std::floor(*claims.iat));
  result.proof.alg = header.alg;
  result.proof.replay_key = ReplayKeyOf(result.proof.jkt, claims.jti);
  result.proof.replay_until = result.proof.iat + options.max_age_seconds + options.leeway_seconds;
  return result;
}

}  // namespace tokenwarden
