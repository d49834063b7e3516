#pragma once
// Converts the CLI11 command tree into the neutral scaffold::CommandSpec used for completions and man pages.
#include <CLI/CLI.hpp>

#include "scaffold/cmdtree.hpp"

namespace tenantctl::cli {
scaffold::CommandSpec command_tree(const CLI::App& app);
}
