// login, logout, whoami: stored API-token profiles and the identity behind the credentials.
#include "api_context.hpp"
#include "commands/commands.hpp"
#include "core/net.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

int run_login(Context& ctx) {
    const std::string name = api::active_profile_name(ctx.g.profile, ctx.g.local, ctx.env);
    if (auto st = api::validate_profile_name(name); !st.ok()) return ctx.ui.fail(st.error());
    if (!ctx.g.account_id.empty()) {
        if (auto st = api::validate_account_id(ctx.g.account_id, "--account-id"); !st.ok())
            return ctx.ui.fail(st.error());
    }
    std::string url =
        !ctx.g.api_url.empty() ? ctx.g.api_url : ctx.env.get_or("CLOUDFLARE_API_BASE_URL", api::k_default_api_url);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!(starts_with(url, "http://") || starts_with(url, "https://"))) {
        return ctx.ui.fail(Error(ErrorKind::Usage, "invalid API URL " + tenantctl::quoted(redact_url(url)),
                                 "use an http:// or https:// URL such as " + std::string(api::k_default_api_url)));
    }
    if (starts_with(url, "http://") && !is_loopback_host(url_host(url)))
        ctx.ui.warn("the API URL " + redact_url_query(url) +
                    " is plain http to another machine: the token would cross the network unencrypted");
    auto token = ctx.ui.read_secret("Enter an API token: ");
    if (!token.ok()) {
        Error e = token.error();
        e.message = "no API token was given";
        e.hint = "pipe the token on stdin (e.g. `tenantctl login < token.txt`) or type it at the prompt";
        return ctx.ui.fail(e);
    }
    std::string tok(trim(*token));
    Redactor::global().add(tok);

    api::ClientOptions o;
    o.api_url = url;
    o.credentials.kind = api::Credentials::Kind::Token;
    o.credentials.token = tok;
    o.credentials.source = "login";
    o.http.ca_bundle = ctx.env.get_or("TENANTCTL_CA_BUNDLE", "");
    api::ApiClient client(o);
    auto st = client.verify_token();
    if (!st.ok()) {
        Error e = st.error();
        if (e.kind == ErrorKind::Auth)
            e.hint = "the token was rejected by " + redact_url(url) + "; create an API token and try again";
        return ctx.ui.fail(e);
    }
    if (!st->status.empty() && st->status != "active") {
        return ctx.ui.fail(Error(ErrorKind::Auth, "the API token is " + st->status + ", not active",
                                 "create a new API token and run `tenantctl login` again"));
    }
    api::Profile p;
    p.name = name;
    // The profile keeps the URL the token was verified against (also one from CLOUDFLARE_API_BASE_URL), so the
    // stored token only ever goes back there.
    p.api_url = url == api::k_default_api_url ? "" : url;
    p.api_token = tok;
    p.account_id = ctx.g.account_id;
    if (auto w = api::write_profile(ctx.env, p); !w.ok()) return ctx.ui.fail(w.error());
    const std::string path = api::profile_path(ctx.env, name);
    json doc = {{"ok", true},
                {"profile", name},
                {"path", path},
                {"api_url", redact_url_query(url)},
                {"token_status", st->status}};
    if (!p.account_id.empty()) doc["account_id"] = p.account_id;
    ctx.ui.emit(doc, "Logged in: the token is " + (st->status.empty() ? std::string("valid") : st->status) +
                         "; stored in profile \"" + name + "\" (" + path + ")\n");
    return 0;
}

int run_logout(Context& ctx) {
    const std::string name = api::active_profile_name(ctx.g.profile, ctx.g.local, ctx.env);
    auto removed = api::remove_profile(ctx.env, name);
    if (!removed.ok()) return ctx.ui.fail(removed.error());
    json doc = {{"ok", true}, {"profile", name}, {"removed", *removed}};
    std::string human = *removed ? "Removed the stored credentials of profile \"" + name + "\"\n"
                                 : "No stored credentials for profile \"" + name + "\"; nothing to do\n";
    if (ctx.env.has("CLOUDFLARE_API_TOKEN") && !ctx.ui.machine()) {
        ctx.ui.info("note: CLOUDFLARE_API_TOKEN is still set in the environment");
    }
    ctx.ui.emit(doc, human);
    return 0;
}

int run_whoami(Context& ctx) {
    auto session = open_api(ctx, /*need_account=*/false);
    if (!session.ok()) return ctx.ui.fail(session.error());
    auto& s = *session;
    json doc = {{"ok", true},
                {"authenticated", true},
                {"api_url", redact_url_query(s.connection.api_url)},
                {"credentials_source", s.connection.credentials.source},
                {"profile", s.connection.profile_name}};
    std::vector<std::pair<std::string, std::string>> kv = {{"api url", redact_url_query(s.connection.api_url)},
                                                           {"credentials", s.connection.credentials.source}};
    if (s.connection.credentials.kind == api::Credentials::Kind::Token) {
        auto t = s.client->verify_token();
        if (!t.ok()) return ctx.ui.fail(t.error());
        doc["token"] = {{"id", t->id}, {"status", t->status}};
        if (!t->expires_on.empty()) doc["token"]["expires_on"] = t->expires_on;
        kv.emplace_back("token", t->id + " (" + t->status + ")");
        if (!t->status.empty() && t->status != "active") {
            Error e(ErrorKind::Auth, "the API token is " + t->status, "create a new token and run `tenantctl login`");
            return ctx.ui.fail(e);
        }
    }
    auto accounts = s.client->list_accounts();
    if (accounts.ok() && accounts->empty()) accounts = s.client->list_memberships();
    output::Table table{{"account id", "name"}, {}};
    doc["accounts"] = json::array();
    if (accounts.ok()) {
        for (const auto& a : *accounts) {
            doc["accounts"].push_back({{"id", a.id}, {"name", a.name}});
            table.rows.push_back({a.id, a.name});
        }
    } else {
        doc["accounts_error"] = accounts.error().message;
        ctx.ui.warn("could not list accounts: " + accounts.error().message);
    }
    std::string human = output::render_kv(kv);
    if (!table.rows.empty()) human += "\n" + output::render_table(table);
    ctx.ui.emit(doc, human);
    return 0;
}

}  // namespace

void register_auth(CLI::App& app, Context& ctx) {
    auto* login = app.add_subcommand("login", "Verify an API token and store it in a profile (0600)");
    login->footer(
        "The token is read from stdin when it is not a terminal, else from a masked prompt; never from the command "
        "line. Stored in $XDG_CONFIG_HOME/tenantctl/profiles/<profile>.json with --api-url and --account-id.");
    on_run(login, ctx, [&ctx] { return run_login(ctx); });

    auto* logout = app.add_subcommand("logout", "Forget the stored credentials of a profile");
    on_run(logout, ctx, [&ctx] { return run_logout(ctx); });

    auto* whoami = app.add_subcommand("whoami", "Show the authenticated identity and accounts");
    whoami->footer("With --json, prints {\"ok\":false,…} and exits 1 when not authenticated.");
    on_run(whoami, ctx, [&ctx] { return run_whoami(ctx); });
}

}  // namespace tenantctl::cli
