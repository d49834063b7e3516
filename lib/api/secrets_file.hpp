#pragma once
// The input of `secret bulk`: strict JSON ({"K":"v","GONE":null}) or .env (KEY=VALUE lines).
// Error messages name the file and line but never contain a value.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tenantctl::api {

// name -> value, or nullopt for "delete this secret" (JSON null). Every value is registered with the
// global Redactor. `source_name` is the file name (or "stdin") used in messages.
using SecretsPatch = std::map<std::string, std::optional<std::string>>;
// The secret names `secret bulk` and `secret put` accept: a letter or '_' first, then letters, digits, '_', '-'
// and '.', at most 256 characters.
bool valid_secret_name(std::string_view name);

Result<SecretsPatch> parse_secrets_input(const std::string& text, const std::string& source_name);

}  // namespace tenantctl::api
