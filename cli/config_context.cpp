#include "config_context.hpp"

namespace tenantctl::cli {

config::LoadOptions config_load_options(const Context& ctx, bool strict, const std::string& dispatch_namespace) {
    config::LoadOptions o;
    o.cwd = ctx.cwd();
    o.config_path = ctx.g.config_path;
    o.env = ctx.g.env;
    o.environment = &ctx.env;
    o.strict = strict;
    if (!dispatch_namespace.empty()) o.dispatch_namespace = dispatch_namespace;
    return o;
}

}  // namespace tenantctl::cli
