#include "commands/commands.hpp"

namespace tenantctl::cli {

// Not built yet: the commands exist so that help, completions and man pages show the whole surface, and each
// says plainly that it is not implemented.
void register_tenants(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("tenants", "Create, list, tag, restart and delete tenants; apply tenants.yaml (not implemented yet)");
    cmd->require_subcommand(1);
    const std::pair<const char*, const char*> subs[] = {
        {"create", "Create a tenant: its worker in a dispatch namespace, tags, plan and isolated resources"},
        {"list", "List tenants (server-side tag filter)"},
        {"get", "Show one tenant"},
        {"tag", "Add, remove or set a tenant's tags"},
        {"restart", "Restart a tenant's container instance"},
        {"delete", "Delete a tenant (or every tenant with a tag)"},
        {"secret", "Manage a tenant's secrets"},
        {"apply", "Plan and apply tenants.yaml"},
    };
    for (const auto& [name, desc] : subs) not_implemented(cmd->add_subcommand(name, desc), ctx, std::string("tenants ") + name);
}

}  // namespace tenantctl::cli
