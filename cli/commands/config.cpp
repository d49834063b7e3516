#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_config(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("config", "Validate and show the wrangler configuration");
    cmd->require_subcommand(1);
    not_implemented(cmd->add_subcommand("validate", "validate"), ctx, "config validate");
    not_implemented(cmd->add_subcommand("show", "show"), ctx, "config show");
}

}  // namespace tenantctl::cli
