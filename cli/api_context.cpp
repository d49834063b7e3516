#include "api_context.hpp"

#include <memory>
#include <optional>

#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

api::ConnectionInputs connection_inputs(const Context& ctx) {
    api::ConnectionInputs in;
    in.api_url_flag = ctx.g.api_url;
    in.profile_flag = ctx.g.profile;
    in.local = ctx.g.local;
    return in;
}

Result<ApiSession> open_api(Context& ctx, bool need_account, const std::string& config_account_id) {
    ApiSession s;
    TRY_ASSIGN(s.connection, api::resolve_connection(connection_inputs(ctx), ctx.env));

    // The account id, as far as it is known without asking the server (checked before anything is sent).
    std::string account, source;
    if (!ctx.g.account_id.empty()) {
        account = ctx.g.account_id, source = "--account-id";
    } else if (!config_account_id.empty()) {
        account = config_account_id, source = "account_id in the config";
    } else if (auto v = ctx.env.get_or("CLOUDFLARE_ACCOUNT_ID", "");
               !v.empty() && !(ctx.g.local || !ctx.g.profile.empty())) {
        account = v, source = "CLOUDFLARE_ACCOUNT_ID";
    } else if (s.connection.credentials_from_profile && !s.connection.profile->account_id.empty()) {
        account = s.connection.profile->account_id, source = "profile " + tenantctl::quoted(s.connection.profile_name);
    } else if (auto v2 = ctx.env.get_or("CLOUDFLARE_ACCOUNT_ID", ""); !v2.empty()) {
        account = v2, source = "CLOUDFLARE_ACCOUNT_ID";
    }
    if (need_account && !account.empty()) TRY_STATUS(api::validate_account_id(account, source));

    if (s.connection.credentials.kind == api::Credentials::Kind::None) {
        return Error(ErrorKind::Auth,
                     "not authenticated: no API token (profile " + tenantctl::quoted(s.connection.profile_name) +
                         " does not exist and CLOUDFLARE_API_TOKEN is not set)",
                     "set CLOUDFLARE_API_TOKEN, or run `tenantctl login` (or `tenantctl dev` and use --local)");
    }
    Ui* ui = &ctx.ui;
    api::RequestObserver observer;
    if (ui->verbosity() >= 2) {
        observer = [ui](const api::RequestEvent& e) {
            std::string line = std::string(api::to_string(e.method)) + " " + e.url + " -> ";
            line += e.status ? std::to_string(e.status) : "no response (" + e.error + ")";
            line += " in " + std::to_string(e.duration.count()) + " ms";
            if (e.attempt > 1) line += " (attempt " + std::to_string(e.attempt) + ")";
            if (e.next_delay.count() > 0) line += "; retrying in " + std::to_string(e.next_delay.count()) + " ms";
            ui->debug(2, line);
        };
    }
    s.client = std::make_unique<api::ApiClient>(api::client_options_for(s.connection, nullptr, std::move(observer)));
    ctx.ui.debug(1, "control plane " + redact_url_query(s.connection.api_url) + " (" + s.connection.api_url_source +
                        "), credentials from " + s.connection.credentials.source);
    if (!need_account) return s;
    if (account.empty()) {
        TRY_ASSIGN(api::Account a, s.client->discover_account());
        account = a.id;
        source = "the only account of the token (" + a.name + ")";
        TRY_STATUS(api::validate_account_id(account, source));
    }
    s.account_id = account;
    s.account_source = source;
    ctx.ui.debug(1, "account " + account + " from " + source);
    return s;
}

deploy::OpenAccount account_opener(Context& ctx) {
    auto session = std::make_shared<std::optional<ApiSession>>();
    return [&ctx, session]() -> Result<deploy::AccountClient> {
        if (!*session) {
            TRY_ASSIGN(auto s, open_api(ctx));
            session->emplace(std::move(s));
        }
        return deploy::AccountClient{(*session)->client.get(), (*session)->account_id};
    };
}

deploy::ConfirmFn confirmer(Context& ctx, bool yes) {
    return [&ctx, yes](const std::string& q) { return ctx.ui.confirm(q, yes); };
}

}  // namespace tenantctl::cli
