#pragma once
// What the typed calls of ApiClient share (internal to lib/api; accounts.cpp, workers.cpp, containers.cpp and
// storage.cpp hold the calls, client.cpp the envelope, pagination and raw calls).
#include <nlohmann/json.hpp>
#include <string>

#include "api/client.hpp"

namespace tenantctl::api::detail {

// j[key] as text: a string as it is, any other value as JSON text; "" when absent or null, or when j is not an
// object.
std::string field_text(const nlohmann::json& j, const char* key);

ListOptions list_options(PageStyle style, int per_page, std::string param = "per_page", std::string key = {});

}  // namespace tenantctl::api::detail
