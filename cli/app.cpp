#include "app.hpp"

#include "commands/commands.hpp"
#include "core/version.hpp"

namespace tenantctl::cli {

static void add_global_options(CLI::App& app, Context& ctx) {
    auto& g = ctx.g;
    app.set_version_flag("--version", std::string("tenantctl ") + k_version);
    app.add_option("-c,--config", g.config_path,
                   "Path to the wrangler configuration file (wrangler.json, .jsonc or .toml)")
        ->group("Global options");
    app.add_option_function<std::string>(
           "-e,--env", [&g](const std::string& v) { g.env = v; },
           "Environment ([env.NAME] section) to use; \"\" selects the top level; default $CLOUDFLARE_ENV")
        ->group("Global options");
    app.add_option("--cwd", g.cwd, "Run as if tenantctl was started in this directory")->group("Global options");
    app.add_flag("--json", g.json, "Print exactly one JSON document on stdout (errors included)")
        ->group("Global options");
    app.add_option("-o,--output", g.output, "Output format")
        ->check(CLI::IsMember({"table", "json", "yaml"}))
        ->group("Global options");
    app.add_flag("-v,--verbose", g.verbose, "More detail on stderr (repeat for more)")->group("Global options");
    app.add_flag("-q,--quiet", g.quiet, "Only errors on stderr")->group("Global options");
    app.add_option("--api-url", g.api_url,
                   "Control-plane API base URL (default $CLOUDFLARE_API_BASE_URL or the profile's)")
        ->group("Global options");
    app.add_option("--account-id", g.account_id,
                   "Account to act on (default account_id in config or $CLOUDFLARE_ACCOUNT_ID)")
        ->group("Global options");
    app.add_option("--profile", g.profile, "Stored credentials profile (see `tenantctl login`)")
        ->group("Global options");
    app.add_flag("--local", g.local, "Target the local platform started by `tenantctl dev` (same as --profile local)")
        ->group("Global options");
}

void build_app(CLI::App& app, Context& ctx) {
    app.description("build, deploy and manage the tenants of a multi-tenant platform");
    app.fallthrough();  // global options may follow the subcommand
    app.require_subcommand(1);
    add_global_options(app, ctx);

    // The command tree, in the order `--help` lists it.
    register_config(app, ctx);
    register_dev(app, ctx);
    register_deploy(app, ctx);
    register_versions(app, ctx);
    register_tenants(app, ctx);
    register_containers(app, ctx);
    register_tail(app, ctx);
    register_dispatch_namespace(app, ctx);
    register_secret(app, ctx);
    register_kv(app, ctx);
    register_r2(app, ctx);
    register_d1(app, ctx);
    register_auth(app, ctx);
    register_init(app, ctx);
    register_completions(app, ctx);
}

}  // namespace tenantctl::cli
