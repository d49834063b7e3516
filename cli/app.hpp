#pragma once
#include "context.hpp"

namespace tenantctl::cli {
// Builds the whole command tree. The tree is also the source of completions and man pages.
void build_app(CLI::App& app, Context& ctx);
}  // namespace tenantctl::cli
