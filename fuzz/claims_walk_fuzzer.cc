// The payload reader's two walks on arbitrary bytes: ReadClaimsJson with its compact reader in
// front (core/internal/compact_claims.h) and with the byte walk alone must give the same
// verdict, the same detail and the same claims. The compact reader hands anything it does not
// read to the byte walk, so this holds it to one promise: what it accepts, it reads exactly as
// the byte walk does. Inputs run through an exact-size heap copy, so AddressSanitizer catches
// a read past the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/internal/claims_reader.h"
#include "tests/core/claims_description.h"

namespace {

struct Outcome {
  tokenwarden::Error error = tokenwarden::Error::kOk;
  std::string_view detail;
  std::vector<std::string> claims;
};

Outcome ReadWith(std::string_view text, tokenwarden::internal::ClaimsStorage& storage) {
  tokenwarden::Claims claims;
  Outcome out;
  out.error = tokenwarden::internal::ReadClaimsJson(text, claims, storage, out.detail);
  if (out.error == tokenwarden::Error::kOk) {
    out.claims = tokenwarden::testing::DescribeToken(tokenwarden::Header{}, claims);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* both = new tokenwarden::internal::ClaimsStorage;
  static auto* byte_walk = [] {
    auto* storage = new tokenwarden::internal::ClaimsStorage;
    storage->byte_walk_only = true;
    return storage;
  }();
  const std::unique_ptr<char[]> copy(new char[size == 0 ? 1 : size]);
  if (size != 0) {
    std::memcpy(copy.get(), data, size);
  }
  const std::string_view text(copy.get(), size);
  const Outcome fast = ReadWith(text, *both);
  const Outcome reference = ReadWith(text, *byte_walk);
  if (fast.error != reference.error || fast.detail != reference.detail ||
      fast.claims != reference.claims) {
    std::abort();
  }
  return 0;
}
