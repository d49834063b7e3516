#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_dev(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("dev", "Run the local platform: control-plane API, registry and tenant router on 127.0.0.1");
    not_implemented(cmd, ctx, "dev");
}

}  // namespace tenantctl::cli
