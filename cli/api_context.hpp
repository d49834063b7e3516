#pragma once
// Building the control-plane client from the global options (--api-url, --profile, --local,
// --account-id), with the -vv request log wired to the Ui.
#include <memory>
#include <string>

#include "api/client.hpp"
#include "context.hpp"
#include "deploy/account.hpp"

namespace tenantctl::cli {

struct ApiSession {
    api::Connection connection;
    std::unique_ptr<api::ApiClient> client;
    std::string account_id;  // empty unless requested
    std::string account_source;
};

api::ConnectionInputs connection_inputs(const Context& ctx);

// Resolves the connection and builds the client. Fails (before anything is sent) when there are no
// credentials or the account id given is malformed. With need_account the account is resolved too:
// --account-id > config account_id (`config_account_id`) > $CLOUDFLARE_ACCOUNT_ID > the profile's >
// GET /accounts (exactly one, else an error listing them).
Result<ApiSession> open_api(Context& ctx, bool need_account = true, const std::string& config_account_id = {});

// open_api(ctx) for lib's command services, run when one first needs the account; the session lives as long as
// the function does.
deploy::OpenAccount account_opener(Context& ctx);
// The Ui's confirmation (--yes skips it) for lib's command services.
deploy::ConfirmFn confirmer(Context& ctx, bool yes);

}  // namespace tenantctl::cli
