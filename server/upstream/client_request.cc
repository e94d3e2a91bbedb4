#include "server/upstream/client_request.h"

#include <string>
#include <utility>

#include "base/basic_credentials.h"
#include "base/form_urlencoded.h"
#include "base/str_cat.h"

namespace tokenwarden::server::upstream {
namespace {

// ClientFormRequest POSTs `form` (encoded parameters) to `endpoint`, authenticated with
// tokenwarden's client credentials as `auth` says.
fetch::FetchRequest ClientFormRequest(std::string_view endpoint, std::string form,
                                      std::string_view client_id, std::string_view client_secret,
                                      ClientAuth auth) {
  fetch::FetchRequest request;
  request.method = "POST";
  request.url = std::string(endpoint);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = std::move(form);
  if (auth == ClientAuth::kPost) {
    base::StrAppend(&request.body, "&client_id=", base::FormEncode(client_id),
                    "&client_secret=", base::FormEncode(client_secret));
  } else {
    // RFC 6749 §2.3.1 form-encodes id and secret before they are joined and encoded;
    // kBasicRaw sends the bytes themselves, for servers that do not decode.
    request.headers.emplace_back(
        "Authorization", base::BasicAuthorization(client_id, client_secret,
                                                  /*form_encode=*/auth == ClientAuth::kBasic));
  }
  return request;
}

}  // namespace

fetch::FetchRequest IntrospectionRequest(std::string_view endpoint, std::string_view token,
                                         std::string_view client_id, std::string_view client_secret,
                                         ClientAuth auth) {
  return ClientFormRequest(
      endpoint, base::StrCat("token=", base::FormEncode(token), "&token_type_hint=access_token"),
      client_id, client_secret, auth);
}

fetch::FetchRequest RevocationRequest(std::string_view endpoint, std::string_view token,
                                      std::string_view hint, std::string_view client_id,
                                      std::string_view client_secret, ClientAuth auth) {
  std::string form = base::StrCat("token=", base::FormEncode(token));
  if (!hint.empty()) {
    base::StrAppend(&form, "&token_type_hint=", base::FormEncode(hint));
  }
  return ClientFormRequest(endpoint, std::move(form), client_id, client_secret, auth);
}

}  // namespace tokenwarden::server::upstream
