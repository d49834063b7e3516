// tenants create ID: its worker, tags, plan and isolated resources.
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"
#include "config_context.hpp"
#include "core/cancel.hpp"

namespace tenantctl::cli::tenants_cli {

void register_create(CLI::App* cmd, Context& ctx) {
    auto o = std::make_shared<tn::CreateOptions>();
    auto* c = cmd->add_subcommand(
        "create", "Create a tenant: its worker in a dispatch namespace, tags, plan and isolated resources");
    c->add_option("id", o->id, "Tenant id (the script name)")->required();
    add_target_options(c, o->target);
    c->add_option("--script", o->script,
                  "Module to upload (default: the file's script/config, else the wrangler config's main)");
    c->add_option("--plan", o->plan,
                  "Plan: free, pro, enterprise (built in) or one of the tenants file's plans: (sets limits "
                  "cpu_ms/subrequests and the tag plan-<plan>); default: the file's defaults.plan");
    c->footer(
        "With a tenants file (-f, or ./tenants.yaml) its namespace, prefix, binding names, plans and defaults (plan, "
        "tags, vars, isolate; not secrets) apply; flags add to the tags and vars and replace the rest.");
    c->add_option("--tag", o->tags, "Tag (repeatable; at most 5 of your own)");
    c->add_option("--isolate", o->isolate, "Isolated resources to provision and bind: kv,r2,d1");
    c->add_option("--var", o->vars, "Plain-text variable NAME=value (repeatable)");
    c->add_option("--compatibility-date", o->compatibility_date, "Compatibility date of the upload");
    on_run(c, ctx, [&ctx, o] {
        tn::CreateOptions opts = bound(ctx, *o);
        opts.config = config_load_options(ctx);
        opts.env = &ctx.env;
        opts.cancel = &CancelToken::global();
        Api api(ctx);
        return show(ctx, tn::create_tenant(opts, api.connect()), render_create);
    });
}

}  // namespace tenantctl::cli::tenants_cli
