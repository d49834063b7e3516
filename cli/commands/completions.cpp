#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_completions(CLI::App& app, Context& ctx) {
    not_implemented(app.add_subcommand("completions", "Print a shell completion script (bash, zsh, fish)"), ctx, "completions");
}

}  // namespace tenantctl::cli
