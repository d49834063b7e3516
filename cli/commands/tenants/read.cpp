// tenants list, tenants get ID.
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"
#include "config_context.hpp"

namespace tenantctl::cli::tenants_cli {

void register_list(CLI::App* cmd, Context& ctx) {
    auto o = std::make_shared<tn::ListOptions>();
    auto* c = cmd->add_subcommand("list", "List tenants (server-side tag filter)");
    add_target_options(c, o->target);
    c->add_option("--tag", o->tags, "Only tenants with this tag (repeatable: all must match)");
    c->add_option("--plan", o->plan, "Only tenants on this plan (the tag plan-<plan>)");
    on_run(c, ctx, [&ctx, o] {
        Api api(ctx);
        return show(ctx, tn::list_tenants(bound(ctx, *o), api.connect()), render_list);
    });
}

void register_get(CLI::App* cmd, Context& ctx) {
    auto o = std::make_shared<tn::GetOptions>();
    auto* c =
        cmd->add_subcommand("get", "Show one tenant: script, tags, plan, bindings, resources, secret names, container");
    c->add_option("id", o->id, "Tenant id")->required();
    add_target_options(c, o->target);
    c->add_option("--app", o->app,
                  "Container application (name or id) whose instance named ID to show (default: the wrangler "
                  "config's first container, if any)");
    on_run(c, ctx, [&ctx, o] {
        tn::GetOptions opts = bound(ctx, *o);
        opts.config = config_load_options(ctx);
        Api api(ctx);
        return show(ctx, tn::get_tenant(opts, api.connect()), render_get);
    });
}

}  // namespace tenantctl::cli::tenants_cli
