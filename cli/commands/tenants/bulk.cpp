// tenants restart, tenants delete (one tenant, or every tenant with the tags).
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"
#include "config_context.hpp"

namespace tenantctl::cli::tenants_cli {

void register_restart(CLI::App* cmd, Context& ctx) {
    auto o = std::make_shared<tn::RestartOptions>();
    auto* c = cmd->add_subcommand("restart", "Restart a tenant's container instance (or every tagged tenant's)");
    c->add_option("id", o->id, "Tenant id (the instance's name)");
    add_target_options(c, o->target);
    c->add_option("--tag", o->tags, "Restart every tenant of the namespace with this tag (repeatable: all must match)");
    add_concurrency_option(c, o->bulk.concurrency, "With --tag: tenants worked on at once (default 8)");
    c->add_option("--app", o->app,
                  "Container application, name or id (default: the wrangler config's first container)");
    c->footer(
        "Stops the instance named by the tenant id in the application; the platform starts a fresh one on the "
        "tenant's next request. With no such instance it says so and exits 0.");
    on_run(c, ctx, [&ctx, o] {
        std::unique_ptr<Progress> progress;
        tn::RestartOptions opts = bound(ctx, *o, &progress);
        opts.config = config_load_options(ctx);
        Api api(ctx);
        return show(ctx, tn::restart_tenants(opts, api.connect()), render_restart);
    });
}

void register_delete(CLI::App* cmd, Context& ctx) {
    auto o = std::make_shared<tn::DeleteOptions>();
    auto yes = std::make_shared<bool>(false);
    auto* c = cmd->add_subcommand("delete", "Delete a tenant (or every tenant with a tag)");
    c->add_option("id", o->id, "Tenant id");
    add_target_options(c, o->target);
    c->add_option("--tag", o->tags, "Delete every tenant with this tag, server-side (repeatable: all must match)");
    c->add_flag("--purge", o->purge,
                "Also delete its isolated resources <prefix>-<id> (KV namespace, R2 bucket, D1 database); with "
                "--tag the tenants and resources are listed first");
    add_concurrency_option(c, o->bulk.concurrency, "With --tag --purge: tenants worked on at once (default 8)");
    add_yes_flag(c, *yes);
    on_run(c, ctx, [&ctx, o, yes] {
        std::unique_ptr<Progress> progress;
        tn::DeleteOptions opts = bound(ctx, *o, &progress);
        opts.confirm = confirm(ctx, *yes);
        Api api(ctx);
        auto show_plan = [&ctx](const tn::DeleteReport& plan) {
            if (!ctx.ui.machine()) ctx.ui.out(render_purge_plan(plan));
        };
        return show(ctx, tn::delete_tenants(opts, api.connect(), show_plan), render_delete);
    });
}

}  // namespace tenantctl::cli::tenants_cli
