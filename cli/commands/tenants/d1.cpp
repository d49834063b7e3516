// tenants d1 migrate: a migrations folder applied to every matching tenant's isolated D1 database.
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"

namespace tenantctl::cli::tenants_cli {

void register_d1(CLI::App* cmd, Context& ctx) {
    auto* d1 = cmd->add_subcommand("d1", "D1 work on every tenant's isolated database");
    d1->require_subcommand(1);
    auto o = std::make_shared<tn::D1MigrateCommand>();
    auto* c =
        d1->add_subcommand("migrate", "Apply a migrations folder to the isolated D1 database of every matching tenant");
    add_target_options(c, o->target);
    c->add_option("--tag", o->tags, "Only tenants with this tag (repeatable: all must match)");
    c->add_option("--dir", o->dir, "The migrations folder (files NNNN_name.sql)")->required();
    c->add_option("--migrations-table", o->table,
                  "The table each database records its applied migrations in (default d1_migrations)");
    add_concurrency_option(c, o->bulk.concurrency,
                           "Databases worked on at once (default 8); all requests share one rate limiter");
    c->add_option("--max-failures", o->max_failures,
                  "Never more than N failed databases: nothing new starts once N failed (exit 3)");
    c->footer(
        "Each tenant's database is <prefix>-<id> (tenants.yaml `isolate: [d1]`). Each migration is one batch "
        "with its record in the database's d1_migrations table (wrangler's), so a rerun after a failure or Ctrl-C "
        "applies only what is missing. A database stops at its first failing migration (FILE:LINE:COLUMN and "
        "SQLite's message). Exit 3 when some failed or were not started (the summary names them), 1 when a migration "
        "file does not parse (the run stops; no database applied it), 130 on Ctrl-C.");
    on_run(c, ctx, [&ctx, o] {
        std::unique_ptr<Progress> progress;
        Api api(ctx);
        return show(ctx, tn::migrate_databases(bound(ctx, *o, &progress), api.connect()), render_d1_migrate);
    });
}

}  // namespace tenantctl::cli::tenants_cli
