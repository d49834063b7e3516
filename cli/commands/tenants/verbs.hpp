#pragma once
// The tenants verbs, one registration each (commands/tenants/<verb>.cpp); register_tenants adds them in order.
#include "context.hpp"

namespace tenantctl::cli::tenants_cli {

void register_create(CLI::App* cmd, Context& ctx);
void register_list(CLI::App* cmd, Context& ctx);
void register_get(CLI::App* cmd, Context& ctx);
void register_tag(CLI::App* cmd, Context& ctx);
void register_restart(CLI::App* cmd, Context& ctx);
void register_delete(CLI::App* cmd, Context& ctx);
void register_secret(CLI::App* cmd, Context& ctx);
void register_d1(CLI::App* cmd, Context& ctx);
void register_apply(CLI::App* cmd, Context& ctx);
void register_rollback(CLI::App* cmd, Context& ctx);

}  // namespace tenantctl::cli::tenants_cli
