// tenants rollback: undo one recorded `tenants apply` (or --list the recorded ones).
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"

namespace tenantctl::cli::tenants_cli {

namespace {

struct RollbackFlags {
    tn::RollbackOptions opts;
    bool list = false;
    bool yes = false;
};

}  // namespace

void register_rollback(CLI::App* cmd, Context& ctx) {
    auto f = std::make_shared<RollbackFlags>();
    auto* c = cmd->add_subcommand("rollback", "Undo one recorded `tenants apply`: restore what it replaced");
    add_target_options(c, f->opts.target);
    c->add_option("--to", f->opts.to, "The apply id to roll back (default: the latest not rolled back)");
    c->add_flag("--list", f->list, "List the recorded applies of the namespace");
    add_concurrency_option(c, f->opts.bulk.concurrency, "Tenants worked on at once (default 8)");
    add_yes_flag(c, f->yes);
    c->footer(
        "Tenants the apply updated (or pruned) get their previous upload back: content, settings (bindings, "
        "compatibility date and flags, limits) and tags. Their secrets stay as they are now: a secret value the "
        "apply changed cannot be restored (values are never readable). Tenants the apply created are deleted (their "
        "isolated resources are kept). Only changes that succeeded are undone. Exit 3 when some could not be "
        "rolled back; a rerun retries them.");
    on_run(c, ctx, [&ctx, f] {
        std::unique_ptr<Progress> progress;
        tn::RollbackOptions opts = bound(ctx, f->opts, &progress);
        opts.records_dir = records_dir(ctx);
        opts.confirm = confirm(ctx, f->yes);
        Api api(ctx);
        if (f->list) return show(ctx, tn::list_applies(opts, api.connect()), render_applies);
        return show(ctx, tn::rollback_apply(opts, api.connect()), render_rollback);
    });
}

}  // namespace tenantctl::cli::tenants_cli
