#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_auth(CLI::App& app, Context& ctx) {
    not_implemented(app.add_subcommand("login", "Store an API token for the control plane"), ctx, "login");
    not_implemented(app.add_subcommand("logout", "Forget stored credentials"), ctx, "logout");
    not_implemented(app.add_subcommand("whoami", "Show the authenticated identity and accounts"), ctx, "whoami");
}

}  // namespace tenantctl::cli
