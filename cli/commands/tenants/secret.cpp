// tenants secret put|list|delete (put --tag: every tenant with the tags).
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"

namespace tenantctl::cli::tenants_cli {

namespace {

struct SecretFlags {
    tn::SecretOptions opts;
    std::string first;  // the first positional: the tenant id (with --tag: the secret name)
    int concurrency = 8;
    bool yes = false;
};

tn::SecretOptions secret_options(Context& ctx, const SecretFlags& f, std::unique_ptr<Progress>& progress) {
    tn::SecretOptions o = f.opts;
    o.target = target(ctx, f.opts.target);
    o.id = f.first;
    if (!o.tags.empty()) {  // with --tag the one positional given is the secret's name
        o.id = o.name.empty() ? std::string() : f.first;
        if (o.name.empty()) o.name = f.first;
        o.bulk = bulk_run(ctx, f.concurrency, progress);
    }
    o.read_value = read_secret(ctx);
    o.confirm = confirm(ctx, f.yes);
    return o;
}

template <class Service, class Render>
int run(Context& ctx, const SecretFlags& f, Service service, Render render) {
    std::unique_ptr<Progress> progress;
    Api api(ctx);
    return show(ctx, service(secret_options(ctx, f, progress), api.connect()), render);
}

}  // namespace

void register_secret(CLI::App* cmd, Context& ctx) {
    auto* secret = cmd->add_subcommand("secret", "Manage a tenant's secrets");
    secret->require_subcommand(1);
    auto f = std::make_shared<SecretFlags>();
    auto* put = secret->add_subcommand("put", "Set a secret (value from stdin or a masked prompt)");
    put->add_option("id", f->first, "Tenant id (with --tag: the secret name)")->required();
    put->add_option("name", f->opts.name, "Secret name");
    add_target_options(put, f->opts.target);
    put->add_option(
        "--tag", f->opts.tags,
        "Set it on every tenant with this tag (repeatable: all must match): tenants secret put NAME --tag T");
    add_concurrency_option(put, f->concurrency, "With --tag: tenants worked on at once (default 8)");
    on_run(put, ctx, [&ctx, f] { return run(ctx, *f, tn::put_secret, render_secret_put); });

    auto* list = secret->add_subcommand("list", "List a tenant's secret names");
    list->add_option("id", f->first, "Tenant id")->required();
    add_target_options(list, f->opts.target);
    on_run(list, ctx, [&ctx, f] { return run(ctx, *f, tn::list_secrets, render_secret_list); });

    auto* del = secret->add_subcommand("delete", "Delete a secret");
    del->add_option("id", f->first, "Tenant id")->required();
    del->add_option("name", f->opts.name, "Secret name")->required();
    add_target_options(del, f->opts.target);
    add_yes_flag(del, f->yes);
    on_run(del, ctx, [&ctx, f] { return run(ctx, *f, tn::delete_secret, render_secret_delete); });
}

}  // namespace tenantctl::cli::tenants_cli
