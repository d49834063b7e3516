#include "app.hpp"

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "commands/commands.hpp"
#include "core/diagnostic.hpp"
#include "core/strings.hpp"
#include "core/version.hpp"

namespace tenantctl::cli {

static void add_global_options(CLI::App& app, GlobalOptions& g) {
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

namespace {

using Register = void (*)(CLI::App&, Context&);

// The command groups, in the order `--help` lists them, with the top-level commands each one defines.
struct Group {
    Register add;
    std::initializer_list<const char*> commands;
};
const Group k_groups[] = {
    {register_config, {"config"}},
    {register_dev, {"dev"}},
    {register_deploy, {"deploy"}},
    {register_versions, {"versions", "deployments", "rollback"}},
    {register_tenants, {"tenants"}},
    {register_containers, {"containers"}},
    {register_tail, {"tail"}},
    {register_dispatch_namespace, {"dispatch-namespace"}},
    {register_secret, {"secret"}},
    {register_kv, {"kv"}},
    {register_r2, {"r2"}},
    {register_d1, {"d1"}},
    {register_auth, {"login", "logout", "whoami"}},
    {register_init, {"init"}},
    {register_completions, {"completions", "__complete"}},
};

const Group* group_of(std::string_view command) {
    for (const auto& g : k_groups)
        for (const char* c : g.commands)
            if (command == c) return &g;
    return nullptr;
}

// Global options that take a value as the next word ("-c", "--config", …), read off what add_global_options
// declares, so none can be missed (a root with those alone: ~0.05 ms, paid only when an option comes first).
std::vector<std::string> value_options() {
    CLI::App root;
    GlobalOptions g;
    add_global_options(root, g);
    std::vector<std::string> names;
    for (const CLI::Option* o : root.get_options()) {
        if (o->get_items_expected_min() == 0) continue;  // a flag
        for (const auto& n : o->get_snames()) names.push_back("-" + n);
        for (const auto& n : o->get_lnames()) names.push_back("--" + n);
    }
    return names;
}

}  // namespace

std::string selected_command(int argc, char** argv) {
    std::vector<std::string> with_value;  // read only when an option comes before the command
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--") return {};
        if (a.size() > 1 && a[0] == '-') {
            if (with_value.empty()) with_value = value_options();
            if (std::find(with_value.begin(), with_value.end(), a) != with_value.end()) ++i;
            continue;
        }
        // `completions` renders the whole tree; anything else only needs its own group.
        return a != "completions" && group_of(a) != nullptr ? std::string(a) : std::string();
    }
    return {};
}

Error usage_error(const CLI::App& app, const CLI::ParseError& e) {
    const CLI::App* cur = &app;  // the deepest command the words selected
    for (auto subs = cur->get_subcommands(); !subs.empty(); subs = cur->get_subcommands()) cur = subs.front();
    std::vector<std::string> verbs;
    for (const CLI::App* sub : cur->get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); }))
        verbs.push_back(sub->get_name());
    std::string path;
    for (const CLI::App* a = cur; a != nullptr; a = a->get_parent())
        path = a->get_name() + (path.empty() ? "" : " " + path);
    // Only the error of a command that requires one and got none (no command was parsed below `cur`, so it is
    // that one's, as CLI11 builds it; its own required options are checked first): other errors (a bad option
    // value, a missing one) say it best.
    const size_t needs = cur->get_require_subcommand_min();
    const bool no_command = needs > 0 && dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
                            std::string_view(e.what()) == CLI::RequiredError::Subcommand(needs).what();
    if (!no_command || verbs.empty()) return Error(ErrorKind::Usage, e.what(), "run with --help to see the usage");
    std::string word;  // the first word no command took (with fallthrough, the root keeps the leftovers)
    for (const CLI::App* a = cur; a != nullptr && word.empty(); a = a->get_parent()) {
        auto rest = a->remaining(false);
        if (!rest.empty()) {
            word = rest.front();
            break;
        }
    }
    if (word.empty() || word[0] == '-')  // nothing, or an option where the command should be
        return Error(ErrorKind::Usage, "`" + path + "` needs a command: " + join(verbs, ", "),
                     "run `" + path + " --help` to see what each does");
    std::string near = closest_match(word, verbs);
    return Error(ErrorKind::Usage, "unknown command \"" + word + "\" for \"" + path + "\"",
                 near.empty() ? "its commands: " + join(verbs, ", ") + " (`" + path + " --help`)"
                              : "did you mean `" + path + " " + near + "`?");
}

void build_app(CLI::App& app, Context& ctx, std::string_view only) {
    app.description("build, deploy and manage the tenants of a multi-tenant platform");
    app.fallthrough();  // global options may follow the subcommand
    app.require_subcommand(1);
    add_global_options(app, ctx.g);
    if (const Group* g = only.empty() ? nullptr : group_of(only)) {
        g->add(app, ctx);
        return;
    }
    for (const auto& g : k_groups) g.add(app, ctx);
}

}  // namespace tenantctl::cli
