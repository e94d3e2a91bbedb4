#include "core/verifier.h"

#include <array>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <simdjson.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "core/compact.h"
#include "core/internal/jose_json.h"
#include "core/signature.h"

namespace tokenwarden {

struct VerifyScratch::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::document header_doc;
  simdjson::dom::document payload_doc;
  // Decoded segments, each with SIMDJSON_PADDING readable bytes past the data so simdjson
  // parses in place without copying.
  std::vector<uint8_t> header;
  std::vector<uint8_t> payload;
  std::vector<uint8_t> signature;
  internal::ClaimsStorage header_storage;
  internal::ClaimsStorage claims_storage;
};

VerifyScratch::VerifyScratch() : impl_(std::make_unique<Impl>()) {
  // A failed allocation here surfaces later as a parse error (kMalformed), never a crash.
  [[maybe_unused]] const simdjson::error_code error =
      impl_->parser.allocate(kDefaultMaxTokenBytes, internal::kSimdjsonMaxDepth);
}

VerifyScratch::~VerifyScratch() = default;

namespace {

// Pipeline records stage outcomes like policy's Checker: the first failure wins; with a
// trace, stages after the header keep running so a report can show everything.
class Pipeline {
 public:
  Pipeline(Trace* trace, VerifiedToken& out) : trace_(trace), out_(out) {}

  // Fail records a failed stage and returns true when verification must stop now.
  bool Fail(std::string_view stage, Error error, std::string_view why, bool can_continue) {
    if (trace_ != nullptr) {
      trace_->OnCheck(stage, true, error, why);
    }
    if (first_ == Error::kOk) {
      first_ = error;
      out_.detail = why;
    }
    return trace_ == nullptr || !can_continue;
  }

  void Pass(std::string_view stage, std::string_view why) {
    if (trace_ != nullptr) {
      trace_->OnCheck(stage, true, Error::kOk, why);
    }
  }

  Error first() const { return first_; }
  Trace* trace() const { return trace_; }

 private:
  Trace* trace_;
  VerifiedToken& out_;
  Error first_ = Error::kOk;
};

// Decode strictly decodes one base64url segment into `buf`, keeping simdjson's padding.
bool Decode(std::string_view segment, std::vector<uint8_t>& buf, size_t& len) {
  const std::optional<size_t> decoded = base::Base64UrlDecodedLength(segment.size());
  if (!decoded.has_value()) {
    return false;
  }
  len = *decoded;
  if (buf.size() < len + simdjson::SIMDJSON_PADDING) {
    buf.resize(len + simdjson::SIMDJSON_PADDING);
  }
  return base::Base64UrlDecode(segment, buf.data());
}

}  // namespace

Verifier::Verifier(Policy policy, std::shared_ptr<const KeySet> keys)
    : policy_(std::move(policy)), keys_(std::move(keys)) {}

absl::StatusOr<Verifier> Verifier::Create(Policy policy, std::shared_ptr<const KeySet> keys) {
  if (keys == nullptr) {
    return absl::InvalidArgumentError("verifier needs a key set");
  }
  absl::Status status = ValidatePolicy(policy);
  if (!status.ok()) {
    return status;
  }
  if (policy.algorithms.empty()) {
    policy.algorithms = keys->algorithms();
  }
  return Verifier(std::move(policy), std::move(keys));
}

Error Verifier::Verify(std::string_view token, int64_t now, VerifyScratch& scratch,
                       VerifiedToken& out, Trace* trace) const {
  out = VerifiedToken{};
  VerifyScratch::Impl& s = scratch.impl();
  Pipeline p(trace, out);

  if (token.size() > policy_.max_token_bytes) {
    p.Fail("size", Error::kTokenTooLarge, "the token exceeds the size limit", false);
    return p.first();
  }
  p.Pass("size", "within the size limit");

  const std::optional<CompactParts> parts = SplitCompact(token);
  if (!parts.has_value()) {
    p.Fail("structure", Error::kMalformed, "a compact JWS has exactly three segments", false);
    return p.first();
  }
  out.signing_input = parts->signing_input;
  size_t header_len = 0, payload_len = 0, signature_len = 0;
  if (!Decode(parts->header, s.header, header_len) ||
      !Decode(parts->payload, s.payload, payload_len) ||
      !Decode(parts->signature, s.signature, signature_len)) {
    p.Fail("structure", Error::kMalformed,
           "every segment must be canonical unpadded base64url (RFC 7515 §2)", false);
    return p.first();
  }
  p.Pass("structure", "three canonical base64url segments");

  out.header_json = std::string_view(reinterpret_cast<const char*>(s.header.data()), header_len);
  simdjson::dom::element header_root;
  if (s.parser.parse_into_document(s.header_doc, s.header.data(), header_len, false)
          .get(header_root) != simdjson::SUCCESS) {
    p.Fail("header", Error::kMalformed,
           "the JOSE header is not valid UTF-8 JSON within the nesting limit", false);
    return p.first();
  }
  std::string_view why;
  const Error header_error = internal::ReadHeader(header_root, out.header, s.header_storage, why);
  if (header_error != Error::kOk) {
    p.Fail("header", header_error, why, false);
    return p.first();
  }
  out.header_parsed = true;
  p.Pass("header", "a JSON object with a supported alg");

  if (!policy_.algorithms.Contains(out.header.alg)) {
    if (p.Fail("algorithm", Error::kAlgorithmNotAllowed, "alg is not in the allow-list", true)) {
      return p.first();
    }
  } else {
    p.Pass("algorithm", "alg is allowed");
  }
  if (out.header.has_crit) {
    if (p.Fail("crit", Error::kUnsupportedCriticalHeader,
               "crit lists an extension we do not understand (RFC 7515 §4.1.11)", true)) {
      return p.first();
    }
  }

  std::array<const Key*, KeySet::kMaxCandidates> candidates;
  const size_t num_candidates = keys_->Select(out.header.alg, out.header.kid, candidates);
  if (num_candidates == 0) {
    if (p.Fail("key", Error::kKeyNotFound, "no key fits the token's kid and alg", true)) {
      return p.first();
    }
  } else {
    p.Pass("key", "found a key that fits kid and alg");
    const std::span<const uint8_t> signature(s.signature.data(), signature_len);
    for (size_t i = 0; i < num_candidates && out.key == nullptr; ++i) {
      if (VerifySignature(out.header.alg, *candidates[i], parts->signing_input, signature) ==
          Error::kOk) {
        out.key = candidates[i];
      }
    }
    if (out.key == nullptr) {
      if (p.Fail("signature", Error::kInvalidSignature, "the signature does not verify", true)) {
        return p.first();
      }
    } else {
      p.Pass("signature", "verified");
    }
  }

  out.payload_json = std::string_view(reinterpret_cast<const char*>(s.payload.data()), payload_len);
  simdjson::dom::element payload_root;
  if (s.parser.parse_into_document(s.payload_doc, s.payload.data(), payload_len, false)
          .get(payload_root) != simdjson::SUCCESS) {
    p.Fail("claims", Error::kMalformed,
           "the payload is not valid UTF-8 JSON within the nesting limit", false);
    return p.first();
  }
  const Error claims_error = internal::ReadClaims(payload_root, out.claims, s.claims_storage, why);
  if (claims_error != Error::kOk) {
    p.Fail("claims", claims_error, why, false);
    return p.first();
  }
  out.claims_parsed = true;
  p.Pass("claims", "a JSON object with well-typed registered claims");

  std::string_view claim_detail;
  const Error policy_error = CheckClaims(policy_, out.header, out.claims, now, trace, claim_detail);
  if (p.first() != Error::kOk) {
    return p.first();
  }
  if (policy_error != Error::kOk) {
    out.detail = claim_detail;
  }
  return policy_error;
}

}  // namespace tokenwarden
