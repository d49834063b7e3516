// d1 list|create|delete|info|execute, d1 migrations list|apply: D1 databases as wrangler's `d1` commands have them
// (lib/deploy/d1.hpp). A database is named by its binding or database_name in the wrangler config, or by its
// name or uuid.
#include "deploy/d1.hpp"
#include "api_context.hpp"
#include "commands/commands.hpp"
#include "config/config.hpp"
#include "config_context.hpp"
#include "core/cancel.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct D1Cli {
    std::string database;
    std::string command;
    std::string file;
    bool yes = false;
};

// What every command but list/create needs: the config (optional), the target, the API session.
struct D1Session {
    ApiSession api;
    deploy::D1Target target;
    std::string base_dir;
};

Result<D1Session> open_d1(Context& ctx, const std::string& database) {
    TRY_ASSIGN(auto cfg, config::load_config_checked(config_load_options(ctx), false));
    D1Session s;
    s.base_dir = cfg.dir.empty() ? ctx.cwd() : cfg.dir;
    TRY_ASSIGN(s.target, deploy::d1_target(cfg.worker().bindings, s.base_dir, database));
    TRY_ASSIGN(s.api, open_api(ctx, true, cfg.account_id()));
    return s;
}

std::string num_text(long long n) {
    return n < 0 ? std::string("-") : std::to_string(n);
}

json database_json(const api::D1Database& d) {
    json j = d.raw.is_object() ? d.raw : json::object();
    j["uuid"] = d.uuid;
    j["name"] = d.name;
    return j;
}

std::string info_text(const api::D1Database& d) {
    return output::render_kv({{"name", d.name},
                              {"uuid", d.uuid},
                              {"created at", d.created_at},
                              {"version", d.version},
                              {"file size", num_text(d.file_size)},
                              {"tables", num_text(d.num_tables)}});
}

// One table per statement that returned columns, then the statements' changes.
std::string results_text(const std::vector<api::D1Result>& results) {
    std::string out;
    long long changes = 0;
    for (const auto& r : results) {
        changes += r.meta.value("changes", 0LL);
        if (r.columns.empty()) continue;
        output::Table t{r.columns, {}};
        for (const auto& row : r.rows) {
            std::vector<std::string> cells;
            for (size_t i = 0; i < r.columns.size(); ++i)
                cells.push_back(row.is_array() && i < row.size() ? output::scalar_text(row[i]) : std::string());
            t.rows.push_back(std::move(cells));
        }
        out += t.rows.empty() ? "(no rows)\n" : output::render_table(t);
    }
    out += std::to_string(results.size()) + " statement(s) run, " + std::to_string(changes) + " row(s) changed\n";
    return out;
}

}  // namespace

void register_d1(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("d1", "Manage D1 databases: create, execute SQL, apply migrations");
    cmd->require_subcommand(1);
    cmd->footer(
        "DATABASE is a d1_databases binding of the wrangler config (its `binding` or `database_name`), or a database "
        "name or uuid. Migrations are the binding's migrations_dir (default migrations/ next to the config): files "
        "NNNN_name.sql, applied in the order of their numbers, recorded in the database's own table d1_migrations "
        "(or migrations_table) as wrangler records them. Not implemented: wrangler's local (Miniflare) databases and "
        "its --local/--remote switch (every command talks to the API: Cloudflare, or tenantctl dev through the global "
        "--local profile), `d1 migrations create`, time travel, export/import.");
    auto o = std::make_shared<D1Cli>();

    auto* list = cmd->add_subcommand("list", "List the account's D1 databases (all pages)");
    on_run(list, ctx, [&ctx] {
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->list_d1_databases(s->account_id);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = json::array();
        output::Table t{{"uuid", "name", "created at", "version"}, {}};
        for (const auto& d : *r) {
            doc.push_back(database_json(d));
            t.rows.push_back({d.uuid, d.name, d.created_at, d.version});
        }
        ctx.ui.emit(doc, r->empty() ? "No D1 databases\n" : output::render_table(t));
        return 0;
    });

    auto* create = cmd->add_subcommand("create", "Create a D1 database");
    create->add_option("name", o->database, "Database name (a-z, 0-9, '-', '_')")->required();
    on_run(create, ctx, [&ctx, o] {
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->create_d1_database(s->account_id, o->database);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(database_json(*r), "Created D1 database " + quoted(r->name) + " (uuid " + r->uuid +
                                           ")\nBind it in the wrangler config:\n[[d1_databases]]\nbinding = \"DB\"\n"
                                           "database_name = \"" +
                                           r->name + "\"\ndatabase_id = \"" + r->uuid + "\"\n");
        return 0;
    });

    auto* info = cmd->add_subcommand("info", "Show a D1 database: uuid, size, number of tables");
    info->add_option("database", o->database, "Binding, database name or uuid")->required();
    on_run(info, ctx, [&ctx, o] {
        auto s = open_d1(ctx, o->database);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = deploy::find_d1_database(*s->api.client, s->api.account_id, s->target);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(database_json(*r), info_text(*r));
        return 0;
    });

    auto* del = cmd->add_subcommand("delete", "Delete a D1 database and its data");
    del->add_option("database", o->database, "Binding, database name or uuid")->required();
    del->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, o] {
        if (auto c = ctx.ui.confirm("delete D1 database " + quoted(o->database) + " and its data", o->yes); !c.ok())
            return ctx.ui.fail(c.error());
        auto s = open_d1(ctx, o->database);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = deploy::d1_delete(*s->api.client, s->api.account_id, s->target);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", r->name}, {"uuid", r->uuid}},
                    "Deleted D1 database " + quoted(r->name) + " (uuid " + r->uuid + ")\n");
        return 0;
    });

    auto* exec = cmd->add_subcommand("execute", "Run SQL against a D1 database (one batch: all statements or none)");
    exec->add_option("database", o->database, "Binding, database name or uuid")->required();
    auto* command = exec->add_option("--command", o->command, "The SQL to run");
    exec->add_option("--file", o->file, "A file of SQL to run")->excludes(command);
    exec->footer(
        "Prints each statement's rows as a table (--json: wrangler's shape, [{results, success, meta}]). An SQL "
        "error names --command or FILE:LINE:COLUMN and SQLite's message; nothing of the batch is applied then.");
    on_run(exec, ctx, [&ctx, o] {
        auto s = open_d1(ctx, o->database);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = deploy::d1_execute(*s->api.client, s->api.account_id, s->target, {o->command, o->file}, ctx.cwd());
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = json::array();
        for (const auto& res : r->results)
            doc.push_back({{"results", deploy::d1_rows_as_objects(res)}, {"success", res.success}, {"meta", res.meta}});
        ctx.ui.emit(doc, results_text(r->results));
        return 0;
    });

    auto* mig = cmd->add_subcommand("migrations", "List and apply a D1 database's migrations");
    mig->require_subcommand(1);
    auto* mlist = mig->add_subcommand("list", "List the migrations folder's files and which are applied");
    mlist->add_option("database", o->database, "Binding, database name or uuid")->required();
    on_run(mlist, ctx, [&ctx, o] {
        auto s = open_d1(ctx, o->database);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = deploy::d1_migrations_list(*s->api.client, s->api.account_id, s->target);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json items = json::array();
        output::Table t{{"name", "status"}, {}};
        size_t pending = 0;
        for (const auto& m : r->migrations) {
            items.push_back({{"name", m.name}, {"applied", m.applied}});
            t.rows.push_back({m.name, m.applied ? "applied" : "pending"});
            if (!m.applied) ++pending;
        }
        json doc{{"database", r->database.name}, {"uuid", r->database.uuid}, {"dir", r->dir}, {"migrations", items}};
        ctx.ui.emit(doc, (t.rows.empty() ? "No migrations in " + r->dir + "\n" : output::render_table(t)) +
                             std::to_string(pending) + " to apply\n");
        return 0;
    });

    auto* mapply = mig->add_subcommand("apply", "Apply the migrations not yet applied, in order");
    mapply->add_option("database", o->database, "Binding, database name or uuid")->required();
    mapply->footer(
        "Each file is one batch together with its record in the migrations table: applied whole or not at all. The "
        "first that fails stops the run (exit 1, FILE:LINE:COLUMN and SQLite's message); the ones before it stay "
        "applied. Ctrl-C stops before the next file (exit 130). Rerunning applies only what is missing.");
    on_run(mapply, ctx, [&ctx, o] {
        auto s = open_d1(ctx, o->database);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = deploy::d1_migrations_apply(*s->api.client, s->api.account_id, s->target, &CancelToken::global());
        if (!r.ok()) return ctx.ui.fail(r.error());
        for (const auto& name : r->result.applied) ctx.ui.info("applied " + name);
        if (r->result.error) return ctx.ui.fail(*r->result.error);
        json doc{{"ok", true},
                 {"database", r->database.name},
                 {"uuid", r->database.uuid},
                 {"applied", r->result.applied},
                 {"already_applied", r->result.already}};
        ctx.ui.emit(doc, r->result.applied.empty()
                             ? "No migrations to apply (" + std::to_string(r->result.already) + " already applied)\n"
                             : "Applied " + std::to_string(r->result.applied.size()) + " migration(s) to " +
                                   r->database.name + "\n");
        return 0;
    });
}

}  // namespace tenantctl::cli
