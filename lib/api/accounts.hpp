#pragma once
// Identity results of the API client (api/client.hpp): the token, the accounts it reaches. Each typed result
// keeps the raw object for --json.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tenantctl::api {

struct TokenStatus {
    std::string id;
    std::string status;  // active | disabled | expired
    std::string expires_on;
    nlohmann::json raw;
};
struct Account {
    std::string id;
    std::string name;
    std::string type;
    nlohmann::json raw;
};

// Account id sanity check done before anything is sent: 1-32 characters of [A-Za-z0-9_-].
Status validate_account_id(const std::string& id, const std::string& source);

}  // namespace tenantctl::api
