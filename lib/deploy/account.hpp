#pragma once
// What the command services (containers, versions) take from their caller: the account, opened when a
// service first needs it (after it has checked its input, so a usage error never asks for credentials), and
// the question asked before a destructive change.
#include <functional>
#include <string>

#include "api/client.hpp"
#include "core/result.hpp"

namespace tenantctl::deploy {

// Asks before a change; returns an error (Refused) when the user declines or cannot be asked.
using ConfirmFn = std::function<Status(const std::string& question)>;

// An opened account: the client (owned by the caller, alive for the call) and the account id.
struct AccountClient {
    api::ApiClient* client = nullptr;
    std::string account_id;
};
// Opens the account (credentials resolved, account id known); called at most once per service call.
using OpenAccount = std::function<Result<AccountClient>()>;

}  // namespace tenantctl::deploy
