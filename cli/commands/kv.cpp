#include "commands/commands.hpp"

namespace tenantctl::cli {

void register_kv(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("kv", "Manage KV namespaces and keys");
    cmd->require_subcommand(1);
    not_implemented(cmd->add_subcommand("namespace", "namespace"), ctx, "kv namespace");
    not_implemented(cmd->add_subcommand("key", "key"), ctx, "kv key");
}

}  // namespace tenantctl::cli
