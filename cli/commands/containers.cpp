#include "commands/commands.hpp"

namespace tenantctl::cli {

// Not built yet: the commands exist so that help, completions and man pages show the whole surface, and each
// says plainly that it is not implemented.
void register_containers(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("containers", "Build, push and manage container applications and images (not implemented yet)");
    cmd->require_subcommand(1);
    const std::pair<const char*, const char*> subs[] = {
        {"build", "Build a linux/amd64 image with docker"},
        {"push", "Push an image to the account's registry with short-lived credentials"},
        {"images", "List or delete images in the registry"},
        {"registries", "Configure, list and delete registries; print registry credentials"},
        {"list", "List container applications"},
        {"info", "Show one container application"},
        {"instances", "List the instances of an application"},
        {"delete", "Delete a container application"},
        {"restart", "Restart an application's instances (or one with --instance)"},
    };
    for (const auto& [name, desc] : subs) not_implemented(cmd->add_subcommand(name, desc), ctx, std::string("containers ") + name);
}

}  // namespace tenantctl::cli
