#include "commands/tenants/common.hpp"

#include "core/cancel.hpp"
#include "core/diagnostic.hpp"
#include "core/fs.hpp"
#include "core/redact.hpp"

namespace tenantctl::cli::tenants_cli {

void add_target_options(CLI::App* c, tn::TargetOptions& o) {
    c->add_option("--namespace", o.ns, "Dispatch namespace (default: namespace of ./tenants.yaml or -f)");
    c->add_option("-f,--file", o.file,
                  "tenants.yaml with namespace, plans, prefix, binding names (default ./tenants.yaml if present)");
    c->add_option("--prefix", o.prefix,
                  "Resource name prefix: resources are <prefix>-<id> (default: the file's prefix or the namespace)");
}

void add_concurrency_option(CLI::App* c, int& n, const std::string& description) {
    c->add_option("--concurrency", n, description);
}

void add_yes_flag(CLI::App* c, bool& yes, const std::string& description) {
    c->add_flag("-y,--yes", yes, description);
}

tn::TargetOptions target(Context& ctx, tn::TargetOptions o) {
    o.cwd = ctx.cwd();
    return o;
}

tn::BulkRun bulk_run(Context& ctx, int concurrency, std::unique_ptr<Progress>& holder) {
    holder = ctx.ui.progress();
    return {concurrency, &CancelToken::global(), holder.get()};
}

std::string records_dir(Context& ctx) {
    return join_path(ctx.env.data_home(), "tenantctl/applies");
}

tn::Confirm confirm(Context& ctx, bool yes) {
    return [&ctx, yes](const std::string& what) { return ctx.ui.confirm(what, yes); };
}

tn::ReadSecret read_secret(Context& ctx) {
    return [&ctx](const std::string& prompt) { return ctx.ui.read_secret(prompt); };
}

tn::Connect Api::connect() {
    return [this]() -> Result<tn::ApiHandle> {
        if (!m_session) {
            TRY_ASSIGN(ApiSession s, open_api(m_ctx));
            m_session = std::move(s);
        }
        return tn::ApiHandle{m_session->client.get(), m_session->account_id};
    };
}

}  // namespace tenantctl::cli::tenants_cli
