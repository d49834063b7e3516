#pragma once
// One registration function per command group; each lives in commands/<group>.cpp.
#include "context.hpp"

namespace tenantctl::cli {

void register_config(CLI::App& app, Context& ctx);                  // config validate|show
void register_auth(CLI::App& app, Context& ctx);                    // login, logout, whoami
void register_dispatch_namespace(CLI::App& app, Context& ctx);      // dispatch-namespace …
void register_secret(CLI::App& app, Context& ctx);                  // secret put|list|delete|bulk
void register_kv(CLI::App& app, Context& ctx);                      // kv namespace|key …
void register_r2(CLI::App& app, Context& ctx);                      // r2 bucket …
void register_d1(CLI::App& app, Context& ctx);                      // d1 …, d1 migrations …
void register_dev(CLI::App& app, Context& ctx);                     // dev (local platform)
void register_deploy(CLI::App& app, Context& ctx);                  // deploy
void register_versions(CLI::App& app, Context& ctx);                // versions …, deployments …, rollback
void register_containers(CLI::App& app, Context& ctx);              // containers …
void register_tenants(CLI::App& app, Context& ctx);                 // tenants …
void register_init(CLI::App& app, Context& ctx);                    // init
void register_completions(CLI::App& app, Context& ctx);             // completions, __complete
void register_tail(CLI::App& app, Context& ctx);                    // tail
void register_tenants_tail(CLI::App* tenants, Context& ctx);        // tenants tail
void register_tenants_top(CLI::App* tenants, Context& ctx);         // tenants top
void register_tenants_logs(CLI::App* tenants, Context& ctx);        // tenants logs
void register_containers_logs(CLI::App* containers, Context& ctx);  // containers logs

}  // namespace tenantctl::cli
