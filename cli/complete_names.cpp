// Names for shell completion, read from the control plane with short timeouts and no retries.
#include "api/client.hpp"
#include "context.hpp"
#include "core/fs.hpp"
#include "scaffold/templates.hpp"
#include "tenants/spec.hpp"

namespace tenantctl::cli {

Result<std::vector<std::string>> complete_names(Context& ctx, const std::string& kind,
                                                const std::vector<std::string>& words) {
    if (kind == "template") {  // local: the bundled templates, no API
        TRY_ASSIGN(auto dir, scaffold::find_templates_dir(ctx.env, scaffold::self_exe_path()));
        TRY_ASSIGN(auto list, scaffold::list_templates(dir));
        std::vector<std::string> names;
        for (const auto& t : list) names.push_back(t.name);
        return names;
    }
    api::ConnectionInputs in;
    std::string ns, account = ctx.g.account_id, tenants_file, cwd = ctx.cwd();
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        auto value = [&](const std::string& name) -> const std::string* {
            if (w == name && i + 1 < words.size()) return &words[++i];
            return nullptr;
        };
        if (auto v = value("--namespace"))
            ns = *v;
        else if (auto v2 = value("--dispatch-namespace"))
            ns = *v2;
        else if (auto v3 = value("--profile"))
            in.profile_flag = *v3;
        else if (auto v4 = value("--api-url"))
            in.api_url_flag = *v4;
        else if (auto v5 = value("--account-id"))
            account = *v5;
        else if (auto v6 = value("-f"))
            tenants_file = *v6;
        else if (auto v7 = value("--file"))
            tenants_file = *v7;
        else if (auto v8 = value("--cwd"))
            cwd = absolute_path(*v8, cwd);
        else if (w == "--local")
            in.local = true;
    }
    // tenants commands default to the namespace of ./tenants.yaml (or -f FILE), and so does their completion.
    if (kind == "tenant" && ns.empty()) {
        std::string file = tenants_file.empty() ? std::string("tenants.yaml") : tenants_file;
        if (auto tf = tenants::load_tenants_file(file, cwd); tf.ok()) ns = tf->ns;
    }
    TRY_ASSIGN(auto conn, api::resolve_connection(in, ctx.env));
    auto options = api::client_options_for(conn);
    options.http.connect_timeout = std::chrono::milliseconds(1000);
    options.http.request_timeout = std::chrono::milliseconds(2000);
    options.http.total_timeout = std::chrono::milliseconds(3000);
    options.http.retry.max_attempts = 1;
    api::ApiClient client(options);
    if (account.empty())
        account = ctx.env.get_or("CLOUDFLARE_ACCOUNT_ID", conn.profile ? conn.profile->account_id : "");
    if (account.empty()) {
        TRY_ASSIGN(auto acct, client.discover_account());
        account = acct.id;
    }
    std::vector<std::string> names;
    if (kind == "namespace") {
        TRY_ASSIGN(auto list, client.list_dispatch_namespaces(account));
        for (const auto& n : list) names.push_back(n.name);
    } else if (kind == "tenant") {
        if (ns.empty()) return names;
        TRY_ASSIGN(auto list, client.list_namespace_scripts(account, ns));
        for (const auto& s : list) {
            // Items are {"script": {"id": …}, "dispatch_namespace": …}; a bare {"id": …} is accepted too.
            const auto& script = s.contains("script") && s["script"].is_object() ? s["script"] : s;
            if (script.contains("id") && script["id"].is_string()) names.push_back(script["id"].get<std::string>());
        }
    }
    return names;
}

}  // namespace tenantctl::cli
