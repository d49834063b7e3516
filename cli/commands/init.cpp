#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_init(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("init", "Create a project from a template");
    not_implemented(cmd, ctx, "init");
}

}  // namespace tenantctl::cli
