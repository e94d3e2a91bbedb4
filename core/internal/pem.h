// Private to core: the PEM text encoding (RFC 7468) of the keys and certificates a user
// points `verify --key` at.
#ifndef TOKENWARDEN_CORE_INTERNAL_PEM_H_
#define TOKENWARDEN_CORE_INTERNAL_PEM_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

namespace tokenwarden::internal {

// PemBody returns the DER inside the first PEM block of `pem` labelled `label` (e.g.
// "PUBLIC KEY", "CERTIFICATE"; RFC 7468 §2), or nullopt when there is no such block. A block
// whose body is not base64 is an error. Text around the block is ignored.
absl::StatusOr<std::optional<std::vector<uint8_t>>> PemBody(std::string_view pem,
                                                            std::string_view label);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_PEM_H_
