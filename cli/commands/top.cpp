// tenants top --namespace NS [--since 1h] [--tag T] [--limit N]: requests, errors, CPU time and subrequests
// per tenant, most requests first, from the GraphQL Analytics API (tenantctl dev answers it from its records).
#include <chrono>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "commands/tenant_select.hpp"
#include "core/strings.hpp"
#include "observe/analytics.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct TopFlags {
    std::string ns;
    std::string since = "1h";
    std::vector<std::string> tags;
    int limit = 20;
};

std::string opt_text(const std::optional<double>& v, int decimals) {
    if (!v) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
    return buf;
}

}  // namespace

void register_tenants_top(CLI::App* tenants, Context& ctx) {
    auto f = std::make_shared<TopFlags>();
    auto* cmd =
        tenants->add_subcommand("top", "Requests, errors, CPU time and subrequests per tenant, most requests first");
    cmd->add_option("--namespace", f->ns, "Dispatch namespace (default: the one tenants.yaml names)");
    cmd->add_option("--since", f->since, "How far back: 90s, 15m, 1h, 7d")->capture_default_str();
    cmd->add_option("--tag", f->tags, "Only tenants with this tag (repeatable: all must match)");
    cmd->add_option("--limit", f->limit, "Rows to show (0 = all)")->check(CLI::Range(0, 100000))->capture_default_str();
    cmd->footer(
        "From Cloudflare's GraphQL Analytics API (workersInvocationsAdaptive by dispatchNamespaceName, grouped by\n"
        "scriptName); `tenantctl dev` answers the same query from its runtime's records, where CPU time and\n"
        "subrequests are not measured (shown as -). Exit codes: 0 ok, 1 error (a tag that matches no tenant\n"
        "included), 2 usage.");
    on_run(cmd, ctx, [&ctx, f] {
        auto nsr = tenants_namespace(ctx, f->ns);
        if (!nsr.ok()) return ctx.ui.fail(nsr.error());
        const std::string ns = *nsr;
        auto since = observe::parse_since(f->since);
        if (!since.ok()) return ctx.ui.fail(since.error());
        if (auto st = check_tag_flags(f->tags); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        auto rows = observe::tenant_usage(*s->client, s->account_id, ns, now - *since, now);
        if (!rows.ok()) return ctx.ui.fail(rows.error());
        if (!f->tags.empty()) {
            auto ids = tenants_with_tags(*s, ns, f->tags);
            if (!ids.ok()) return ctx.ui.fail(ids.error());
            std::set<std::string> keep(ids->begin(), ids->end());
            std::erase_if(*rows, [&](const observe::TenantUsage& u) { return !keep.count(u.tenant); });
        }
        size_t shown = f->limit == 0 ? rows->size() : std::min(rows->size(), static_cast<size_t>(f->limit));
        json doc = {{"namespace", ns}, {"since", f->since}, {"tenants", json::array()}};
        output::Table t{{"tenant", "requests", "errors", "error %", "subrequests", "cpu p50 ms", "cpu p99 ms"}, {}};
        for (size_t i = 0; i < shown; ++i) {
            const auto& u = (*rows)[i];
            double pct = u.requests ? 100.0 * static_cast<double>(u.errors) / static_cast<double>(u.requests) : 0;
            json j = {{"tenant", u.tenant}, {"requests", u.requests}, {"errors", u.errors}};
            j["subrequests"] = u.subrequests ? json(*u.subrequests) : json(nullptr);
            j["cpu_p50_ms"] = u.cpu_p50_ms ? json(*u.cpu_p50_ms) : json(nullptr);
            j["cpu_p99_ms"] = u.cpu_p99_ms ? json(*u.cpu_p99_ms) : json(nullptr);
            doc["tenants"].push_back(j);
            t.rows.push_back({u.tenant, std::to_string(u.requests), std::to_string(u.errors), opt_text(pct, 1),
                              u.subrequests ? std::to_string(*u.subrequests) : "-", opt_text(u.cpu_p50_ms, 2),
                              opt_text(u.cpu_p99_ms, 2)});
        }
        ctx.ui.emit(doc, rows->empty() ? "No invocations in namespace " + quoted(ns) + " in the last " + f->since + "\n"
                                       : output::render_table(t));
        return 0;
    });
}

}  // namespace tenantctl::cli
