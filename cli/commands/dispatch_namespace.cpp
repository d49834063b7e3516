#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_dispatch_namespace(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("dispatch-namespace", "Manage Workers for Platforms dispatch namespaces");
    cmd->require_subcommand(1);
    not_implemented(cmd->add_subcommand("list", "list"), ctx, "dispatch-namespace list");
    not_implemented(cmd->add_subcommand("get", "get"), ctx, "dispatch-namespace get");
    not_implemented(cmd->add_subcommand("create", "create"), ctx, "dispatch-namespace create");
    not_implemented(cmd->add_subcommand("delete", "delete"), ctx, "dispatch-namespace delete");
    not_implemented(cmd->add_subcommand("rename", "rename"), ctx, "dispatch-namespace rename");
}

}  // namespace tenantctl::cli
