#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_secret(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("secret", "Manage secrets of a worker or of a tenant worker in a dispatch namespace");
    cmd->require_subcommand(1);
    not_implemented(cmd->add_subcommand("put", "put"), ctx, "secret put");
    not_implemented(cmd->add_subcommand("list", "list"), ctx, "secret list");
    not_implemented(cmd->add_subcommand("delete", "delete"), ctx, "secret delete");
    not_implemented(cmd->add_subcommand("bulk", "bulk"), ctx, "secret bulk");
}

}  // namespace tenantctl::cli
