// Identity: the token, the accounts it reaches, the account used when none was given.
#include "api/client.hpp"

#include <algorithm>

#include "api/typed.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::api {

using detail::field_text;
using detail::list_options;
using nlohmann::json;

namespace {

Account to_account(const json& j) {
    return Account{field_text(j, "id"), field_text(j, "name"), field_text(j, "type"), j};
}

}  // namespace

Status validate_account_id(const std::string& id, const std::string& source) {
    bool ok = !id.empty() && id.size() <= 32;
    for (unsigned char c : id) {
        if (!(std::isalnum(c) || c == '-' || c == '_')) ok = false;
    }
    if (!ok) {
        return Error(ErrorKind::Usage, "invalid account id " + tenantctl::quoted(id) + " from " + source,
                     "an account id is up to 32 letters and digits (the 32-hex id shown by `tenantctl whoami`)");
    }
    return {};
}

// ---------------------------------------------------------------------------------------------------
// identity

Result<TokenStatus> ApiClient::verify_token() {
    TRY_ASSIGN(ApiResult r, call(Method::Get, "/user/tokens/verify"));
    return TokenStatus{field_text(r.result, "id"), field_text(r.result, "status"), field_text(r.result, "expires_on"),
                       r.result};
}

Result<std::vector<Account>> ApiClient::list_accounts() {
    ListOptions o = list_options(PageStyle::PagePerPage, 50);
    TRY_ASSIGN(auto items, list_all("/accounts", {}, o));
    std::vector<Account> out;
    for (const auto& j : items) out.push_back(to_account(j));
    return out;
}

Result<std::vector<Account>> ApiClient::list_memberships() {
    ListOptions o = list_options(PageStyle::PagePerPage, 50);
    TRY_ASSIGN(auto items, list_all("/memberships", {{"status", "accepted"}}, o));
    std::vector<Account> out;
    for (const auto& m : items) {
        if (m.is_object() && m.contains("account")) out.push_back(to_account(m["account"]));
    }
    return out;
}

Result<Account> ApiClient::discover_account() {
    auto with_id = [](std::vector<Account> v) {
        v.erase(std::remove_if(v.begin(), v.end(), [](const Account& a) { return a.id.empty(); }), v.end());
        return v;
    };
    auto accounts = list_accounts();
    std::vector<Account> list;
    if (accounts.ok()) list = with_id(std::move(accounts).value());
    if (list.empty()) {
        auto members = list_memberships();
        if (members.ok())
            list = with_id(std::move(members).value());
        else if (!accounts.ok())
            return std::move(accounts).error();
        else
            return std::move(members).error();
    }
    if (list.empty()) {
        return Error(ErrorKind::Auth, "the token has access to no account",
                     "pass --account-id, set CLOUDFLARE_ACCOUNT_ID, or use a token with account access");
    }
    if (list.size() > 1) {
        std::string names;
        for (const auto& a : list) {
            if (!names.empty()) names += ", ";
            names += a.id + " (" + a.name + ")";
        }
        Error e(ErrorKind::Usage, "more than one account is available and none was chosen: " + names,
                "pass --account-id ID, set CLOUDFLARE_ACCOUNT_ID, or put account_id in the config or profile");
        return e;
    }
    return list.front();
}

Result<std::string> ApiClient::find_zone_id(const std::string& account, const std::string& name) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, "/zones", {{"name", name}, {"account.id", account}}));
    if (r.result.is_array() && !r.result.empty()) return field_text(r.result[0], "id");
    return std::string();
}

Result<std::vector<json>> ApiClient::list_zone_routes(const std::string& zone_id) {
    return list_all("/zones/" + url_encode(zone_id) + "/workers/routes", {}, {});
}

Result<std::string> ApiClient::graphql(const std::string& request_json) {
    TRY_ASSIGN(HttpResponse r, call_raw(Method::Post, "/graphql", {}, Body{"application/json", request_json}));
    return std::move(r.body);
}

}  // namespace tenantctl::api
