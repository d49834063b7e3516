// containers registries list|configure|delete|credentials: the registries an account's applications pull from.
#include <unistd.h>

#include <iostream>

#include "api_context.hpp"
#include "commands/containers/containers.hpp"
#include "core/json.hpp"
#include "core/strings.hpp"
#include "deploy/container_images.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct RegistryFlags {
    std::string domain, kind;
    bool is_public = false, yes = false;
};

struct CredFlags {
    std::string domain;
    int minutes = 15;
    bool push = false, pull = false, password_stdout = false;
};

void register_credentials(CLI::App* reg, Context& ctx) {
    auto crf = std::make_shared<CredFlags>();
    auto* cred = reg->add_subcommand("credentials", "Get short-lived credentials for a registry");
    cred->add_option("domain", crf->domain, "Registry domain (default: the account's registry)");
    cred->add_option("--expiration-minutes", crf->minutes, "Lifetime of the credentials")->check(CLI::Range(1, 1440));
    cred->add_flag("--push", crf->push, "Allow pushing");
    cred->add_flag("--pull", crf->pull, "Allow pulling (the default when neither is given)");
    cred->add_flag("--password-stdout", crf->password_stdout,
                   "Print only the password on stdout, for `docker login --password-stdin`");
    cred->footer("The password is never part of the table or the --json output: use --password-stdout and pipe it.");
    on_run(cred, ctx, [&ctx, crf] {
        auto r = deploy::registry_credentials(ctx.env, {crf->domain, crf->minutes, crf->push, crf->pull},
                                              account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        const auto& c = r->credentials;
        if (crf->password_stdout) {
            if (ctx.ui.stdin_tty() && isatty(1))
                return ctx.ui.fail(Error(ErrorKind::Usage, "refusing to print a password to a terminal",
                                         "pipe it: tenantctl containers registries credentials --password-stdout | "
                                         "docker login --password-stdin ..."));
            std::cout << c.password << std::flush;
            return 0;
        }
        ctx.ui.emit(r->to_json(), output::render_kv({{"registry", c.host},
                                                     {"username", c.username},
                                                     {"expires in", std::to_string(r->minutes) + " minutes"},
                                                     {"password", "(not shown: use --password-stdout)"}}));
        return 0;
    });
}

}  // namespace

void register_container_registries(CLI::App* cmd, Context& ctx) {
    auto* reg =
        cmd->add_subcommand("registries", "Configure, list and delete image registries; get registry credentials");
    reg->require_subcommand(1);

    auto* list = reg->add_subcommand("list", "List the registries the account can pull from");
    on_run(list, ctx, [&ctx] {
        auto r = deploy::list_registries(account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        output::Table t{{"domain", "kind", "public", "created"}, {}};
        for (const auto& x : *r)
            t.rows.push_back(
                {json_text(x, "domain"), json_text(x, "kind"), json_text(x, "is_public"), json_text(x, "created_at")});
        ctx.ui.emit(json(*r), output::render_table(t));
        return 0;
    });

    auto cf = std::make_shared<RegistryFlags>();
    auto* conf = reg->add_subcommand("configure", "Allow the account's applications to pull from an external registry");
    conf->add_option("domain", cf->domain, "Registry domain, e.g. docker.io")->required();
    conf->add_option("--kind", cf->kind, "Registry kind")->check(CLI::IsMember({"ECR", "DockerHub", "GAR"}));
    conf->add_flag("--public", cf->is_public, "The registry is public (no credentials)");
    conf->footer("Private registry credentials are not supported by tenantctl yet: configure public registries here.");
    on_run(conf, ctx, [&ctx, cf] {
        auto r = deploy::configure_registry({cf->domain, cf->kind, cf->is_public}, account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(*r, "Configured registry " + cf->domain + "\n");
        return 0;
    });

    auto dd = std::make_shared<RegistryFlags>();
    auto* del = reg->add_subcommand("delete", "Remove a configured registry");
    del->add_option("domain", dd->domain, "Registry domain")->required();
    del->add_flag("-y,--yes", dd->yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, dd] {
        auto r = deploy::delete_registry(dd->domain, confirmer(ctx, dd->yes), account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(r->to_json(), "Removed registry " + r->domain + "\n");
        return 0;
    });

    register_credentials(reg, ctx);
}

}  // namespace tenantctl::cli
