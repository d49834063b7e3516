#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_deploy(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("deploy", "Build, push and deploy the worker and its containers");
    not_implemented(cmd, ctx, "deploy");
}

}  // namespace tenantctl::cli
