// tenants create|list|get|tag|restart|delete|secret|d1|tail|top|logs|apply|rollback: the tenants of a
// multi-tenant platform. A tenant is a user worker in a dispatch namespace (script name = tenant id) with tags,
// secrets, plan limits, optional isolated resources (<prefix>-<id>) and its container instance. Each verb
// (commands/tenants/<verb>.cpp) declares its options, calls one function of lib/tenants/service*.hpp and shows
// its report (cli/render/tenants*.cpp).
#include "commands/commands.hpp"
#include "commands/tenants/verbs.hpp"

namespace tenantctl::cli {

void register_tenants(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "tenants", "Create, list, tag, restart and delete tenants; apply tenants.yaml (staged) and roll it back");
    cmd->require_subcommand(1);
    cmd->footer(
        "A tenant is a user worker in a dispatch namespace (script name = tenant id) with tags, secrets, plan limits, "
        "optional isolated resources named <prefix>-<id> and its container instance. tenantctl keeps three tags "
        "on each tenant: the managed marker (default \"tenantctl\"), plan-<plan> and tcd-<digest> (the digest of "
        "the desired upload, which lets `apply` decide \"unchanged\" from reads alone).");
    tenants_cli::register_create(cmd, ctx);
    tenants_cli::register_list(cmd, ctx);
    tenants_cli::register_get(cmd, ctx);
    tenants_cli::register_tag(cmd, ctx);
    tenants_cli::register_restart(cmd, ctx);
    tenants_cli::register_delete(cmd, ctx);
    tenants_cli::register_secret(cmd, ctx);
    tenants_cli::register_d1(cmd, ctx);
    register_tenants_tail(cmd, ctx);
    register_tenants_top(cmd, ctx);
    register_tenants_logs(cmd, ctx);
    tenants_cli::register_apply(cmd, ctx);
    tenants_cli::register_rollback(cmd, ctx);
}

}  // namespace tenantctl::cli
