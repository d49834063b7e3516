#pragma once
#include <string>
#include <string_view>

#include "context.hpp"

namespace tenantctl::cli {
// Builds the command tree, the source of completions and man pages too. With `only` naming a top-level command,
// only the group that defines it is built: a command then pays for its own options at start-up, not for the
// whole tree's. Empty (or unknown) builds everything.
void build_app(CLI::App& app, Context& ctx, std::string_view only = {});
// The top-level command argv names, skipping the global options before it; empty when argv names none or
// needs the whole tree (`completions`). A guess: main builds the whole tree again when parsing fails.
std::string selected_command(int argc, char** argv);
}  // namespace tenantctl::cli
