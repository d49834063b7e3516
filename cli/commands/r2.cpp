#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_r2(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("r2", "Manage R2 buckets");
    cmd->require_subcommand(1);
    not_implemented(cmd->add_subcommand("bucket", "bucket"), ctx, "r2 bucket");
}

}  // namespace tenantctl::cli
