#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_containers(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("containers", "Build, push and manage container applications and images");
    cmd->require_subcommand(1);
    not_implemented(cmd->add_subcommand("build", "build"), ctx, "containers build");
    not_implemented(cmd->add_subcommand("push", "push"), ctx, "containers push");
    not_implemented(cmd->add_subcommand("images", "images"), ctx, "containers images");
    not_implemented(cmd->add_subcommand("registries", "registries"), ctx, "containers registries");
    not_implemented(cmd->add_subcommand("list", "list"), ctx, "containers list");
    not_implemented(cmd->add_subcommand("info", "info"), ctx, "containers info");
    not_implemented(cmd->add_subcommand("instances", "instances"), ctx, "containers instances");
    not_implemented(cmd->add_subcommand("delete", "delete"), ctx, "containers delete");
    not_implemented(cmd->add_subcommand("restart", "restart"), ctx, "containers restart");
}

}  // namespace tenantctl::cli
