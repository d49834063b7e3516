#pragma once
// The wrangler config as the global options select it (--config, --cwd, --env / CLOUDFLARE_ENV).
#include <string>

#include "config/config.hpp"
#include "context.hpp"

namespace tenantctl::cli {

config::LoadOptions config_load_options(const Context& ctx, bool strict = false,
                                        const std::string& dispatch_namespace = {});

}  // namespace tenantctl::cli
