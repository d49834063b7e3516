// tenants tag ID add|remove|set TAG…
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"

namespace tenantctl::cli::tenants_cli {

void register_tag(CLI::App* cmd, Context& ctx) {
    auto o = std::make_shared<tn::TagOptions>();
    auto* c = cmd->add_subcommand("tag", "Add, remove or set a tenant's tags");
    c->add_option("id", o->id, "Tenant id")->required();
    c->add_option("op", o->op, "add | remove | set")->required()->check(CLI::IsMember({"add", "remove", "set"}));
    c->add_option("tags", o->tags, "Tags (set with none clears the tenant's own tags)");
    add_target_options(c, o->target);
    c->footer(
        "Reserved tags (managed marker, plan-*, tcd-*) are kept; a tenant has at most 5 tags of its own, checked "
        "before "
        "anything is sent.");
    on_run(c, ctx, [&ctx, o] {
        Api api(ctx);
        return show(ctx, tn::tag_tenant(bound(ctx, *o), api.connect()), render_tag);
    });
}

}  // namespace tenantctl::cli::tenants_cli
