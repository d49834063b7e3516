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
// The usage error of a failed parse of the whole tree, in the words of kubectl and cobra where CLI11's are vague:
// `unknown command "lst" for "tenantctl tenants"` with a "did you mean" hint, or the commands a group needs one
// of; CLI11's own message otherwise.
Error usage_error(const CLI::App& app, const CLI::ParseError& e);
}  // namespace tenantctl::cli
