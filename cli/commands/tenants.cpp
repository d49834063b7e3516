#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_tenants(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("tenants", "Create, list, tag, restart and delete tenants; apply tenants.yaml");
    cmd->require_subcommand(1);
    not_implemented(cmd->add_subcommand("create", "create"), ctx, "tenants create");
    not_implemented(cmd->add_subcommand("list", "list"), ctx, "tenants list");
    not_implemented(cmd->add_subcommand("get", "get"), ctx, "tenants get");
    not_implemented(cmd->add_subcommand("tag", "tag"), ctx, "tenants tag");
    not_implemented(cmd->add_subcommand("restart", "restart"), ctx, "tenants restart");
    not_implemented(cmd->add_subcommand("delete", "delete"), ctx, "tenants delete");
    not_implemented(cmd->add_subcommand("secret", "secret"), ctx, "tenants secret");
    not_implemented(cmd->add_subcommand("apply", "apply"), ctx, "tenants apply");
}

}  // namespace tenantctl::cli
