#pragma once
// What the tenants commands share: the option blocks declared once, the control plane opened on first use, the
// prompts, and showing a service function's report (or its error, with the tenants file's lines).
#include <memory>
#include <optional>

#include "api_context.hpp"
#include "render/tenants.hpp"

namespace tenantctl::cli::tenants_cli {

namespace tn = tenantctl::tenants;

// --namespace, -f/--file, --prefix.
void add_target_options(CLI::App* c, tn::TargetOptions& o);
// --concurrency N (tenants worked on at once).
void add_concurrency_option(CLI::App* c, int& n, const std::string& description);
// -y/--yes.
void add_yes_flag(CLI::App* c, bool& yes, const std::string& description = "Do not ask for confirmation");

// The target with the working directory (--cwd applied).
tn::TargetOptions target(Context& ctx, tn::TargetOptions o);
// The bulk run: concurrency, Ctrl-C, the Ui's progress (kept alive by `holder`).
tn::BulkRun bulk_run(Context& ctx, int concurrency, std::unique_ptr<Progress>& holder);
// A verb's options with what the context gives: the target's working directory and, for bulk verbs, the run.
template <class O>
O bound(Context& ctx, const O& o, std::unique_ptr<Progress>* progress = nullptr) {
    O out = o;
    out.target = target(ctx, o.target);
    if constexpr (requires { out.bulk; }) {
        if (progress) out.bulk = bulk_run(ctx, o.bulk.concurrency, *progress);
    }
    return out;
}
// Where apply records live: $XDG_DATA_HOME/tenantctl/applies/<account>/<namespace>/<id>/.
std::string records_dir(Context& ctx);
tn::Confirm confirm(Context& ctx, bool yes);
tn::ReadSecret read_secret(Context& ctx);

// Opens the control plane once, when the service function first asks for it.
class Api {
public:
    explicit Api(Context& ctx) : m_ctx(ctx) {}
    tn::Connect connect();

private:
    Context& m_ctx;
    std::optional<ApiSession> m_session;
};

// The report rendered and shown, or the error.
template <class R, class Render>
int show(Context& ctx, Result<R> r, Render render) {
    if (!r.ok()) return ctx.ui.fail(r.error());
    return ctx.ui.show(render(*r));
}

}  // namespace tenantctl::cli::tenants_cli
