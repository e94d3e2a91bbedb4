#include "core/claims.h"

namespace tokenwarden {

bool Claims::Has(std::string_view name) const {
  for (std::string_view n : names) {
    if (n == name) {
      return true;
    }
  }
  return false;
}

}  // namespace tokenwarden
