#pragma once
// D1 as wrangler's `d1` commands have it: the database a command names (a `d1_databases` binding of the config,
// by binding or database_name, else a database name or uuid), SQL executed from a string or a file, and
// migrations: the `.sql` files of the binding's `migrations_dir` (default `migrations/`), listed and applied as
// workers/d1_migrations.hpp applies them (in order, each recorded in wrangler's table inside the database).
// SQL errors name the file and line they came from (workers::place_sql_error).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "config/worker.hpp"
#include "core/cancel.hpp"
#include "core/result.hpp"
#include "workers/d1_migrations.hpp"

namespace tenantctl::deploy {

inline constexpr const char* k_d1_migrations_dir = "migrations";

// What a command's DATABASE argument names.
struct D1Target {
    std::string arg;             // as given
    std::string binding;         // the config binding it matched ("" when none)
    std::string name;            // database_name from the config, else the argument
    std::string id;              // database_id from the config ("" when none)
    std::string migrations_dir;  // absolute: the binding's migrations_dir, else <config dir>/migrations
    std::string migrations_table = workers::k_d1_migrations_table;
};
// `config` holds the wrangler config's D1 bindings (none without a config); `base_dir` is the config's directory
// (the current directory without a config). The argument matches a binding by `binding` or `database_name`.
Result<D1Target> d1_target(const config::Bindings& config, const std::string& base_dir, const std::string& arg);

// The database behind a target (as GET answers it, with its size and number of tables): by the config's
// database_id, else by the argument as a uuid, else by name (one filtered list first). NotFound names what was
// looked for.
Result<api::D1Database> find_d1_database(api::ApiClient& client, const std::string& account, const D1Target& t);

// `d1 delete`: the target's database (what was deleted is returned).
Result<api::D1Database> d1_delete(api::ApiClient& client, const std::string& account, const D1Target& t);

// ---- migrations -----------------------------------------------------------------------------------

struct MigrationState {
    std::string name;
    bool applied = false;
};
struct MigrationsList {
    api::D1Database database;
    std::string dir;
    std::vector<MigrationState> migrations;  // the folder's files in order, then applied names no file has
};
Result<MigrationsList> d1_migrations_list(api::ApiClient& client, const std::string& account, const D1Target& t);

struct MigrationsApplyReport {
    api::D1Database database;
    std::string dir;
    workers::MigrationsApplied result;
};
// `d1 migrations apply`: the target's database and folder; a failed migration is in result.error.
Result<MigrationsApplyReport> d1_migrations_apply(api::ApiClient& client, const std::string& account, const D1Target& t,
                                                  CancelToken* cancel = nullptr);

// ---- execute --------------------------------------------------------------------------------------

struct SqlInput {
    std::string command;  // --command
    std::string file;     // --file (absolute or relative to base_dir)
};
struct ExecuteReport {
    api::D1Database database;
    std::vector<api::D1Result> results;  // one per statement
};
// `d1 execute`: one batch; an SQL error names --command or FILE:LINE:COLUMN.
Result<ExecuteReport> d1_execute(api::ApiClient& client, const std::string& account, const D1Target& t,
                                 const SqlInput& in, const std::string& base_dir);

// A result's rows as objects keyed by column (what D1's `query` endpoint and `wrangler d1 execute --json` show).
nlohmann::json d1_rows_as_objects(const api::D1Result& r);

}  // namespace tenantctl::deploy
