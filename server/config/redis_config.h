// Private to server/config: the `redis` object (RedisConfig in config.h).
#ifndef TOKENWARDEN_SERVER_CONFIG_REDIS_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_REDIS_CONFIG_H_

#include <string_view>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadRedis reads the `redis` object at `path`; secrets from files resolved against `base_dir`.
absl::Status ReadRedis(simdjson::dom::element value, std::string_view path,
                       std::string_view base_dir, RedisConfig& out);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_REDIS_CONFIG_H_
