#pragma once
// D1 as wrangler's `d1` commands have it: the database a command names (a `d1_databases` binding of the config,
// by binding or database_name, else a database name or uuid), SQL executed from a string or a file, and
// migrations: the `.sql` files of the binding's `migrations_dir` (default `migrations/`) applied in order, each as
// one batch together with its record in wrangler's table `d1_migrations(id, name, applied_at)` inside the
// database, so a database migrated by wrangler and by tenantctl agree on what is applied.
// SQL errors name the file and line they came from: D1 says where ("… at offset N: SQLITE_ERROR", N a byte
// offset into the SQL sent) and that offset is mapped back to the file.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/cancel.hpp"
#include "core/result.hpp"

namespace tenantctl::deploy {

inline constexpr const char* k_d1_migrations_table = "d1_migrations";
inline constexpr const char* k_d1_migrations_dir = "migrations";

// What a command's DATABASE argument names.
struct D1Target {
    std::string arg;             // as given
    std::string binding;         // the config binding it matched ("" when none)
    std::string name;            // database_name from the config, else the argument
    std::string id;              // database_id from the config ("" when none)
    std::string migrations_dir;  // absolute: the binding's migrations_dir, else <config dir>/migrations
    std::string migrations_table = k_d1_migrations_table;
};
// `normalized` is the wrangler config (null or empty when there is none); `base_dir` its directory (the current
// directory without a config). The argument matches a binding by `binding` or `database_name`.
Result<D1Target> d1_target(const nlohmann::json& normalized, const std::string& base_dir, const std::string& arg);

// The database behind a target (as GET answers it, with its size and number of tables): by the config's
// database_id, else by the argument as a uuid, else by name (one filtered list first). NotFound names what was
// looked for.
Result<api::D1Database> find_d1_database(api::ApiClient& client, const std::string& account, const D1Target& t);

// `d1 delete`: the target's database (what was deleted is returned).
Result<api::D1Database> d1_delete(api::ApiClient& client, const std::string& account, const D1Target& t);

// ---- migrations -----------------------------------------------------------------------------------

struct Migration {
    std::string name;       // file name, e.g. 0001_init.sql (what the migrations table records)
    std::string path;       // absolute
    long long number = -1;  // the digits before the first '_' (-1 when the name does not start with digits)
};
// The number of a migration file name, -1 when it has none.
long long migration_number(const std::string& name);
// Wrangler's order: by number (files without one last), then by name.
void sort_migrations(std::vector<Migration>& migrations);
// Every `.sql` file of `dir`, sorted. NotFound when the folder does not exist.
Result<std::vector<Migration>> list_migrations(const std::string& dir);

// The table name goes into SQL as is: [A-Za-z_][A-Za-z0-9_]*, at most 64.
Status check_migrations_table(const std::string& table);
// The batch one migration is applied with: the file's text, then the record of it (one INSERT on lines of its own
// after the file's last line, so an offset inside the file's text maps to the file).
std::string migration_batch(const std::string& file_text, const std::string& name, const std::string& table);

// The byte offset D1 names in an error message ("… at offset N: SQLITE_ERROR"), -1 when it names none.
long long d1_error_offset(const std::string& message);
// SQLite's words out of the API's error ("near \"X\": syntax error"), without the offset and SQLITE_ERROR suffix.
std::string d1_error_text(const Error& e);
struct SourcePosition {
    int line = 0;  // 1-based; 0 when the offset is past the text
    int column = 0;
};
// Where byte `offset` of `text` is (columns count bytes from 1).
SourcePosition position_at(const std::string& text, long long offset);

// Creates the migrations table when missing (as wrangler does before listing) and reads the applied names, in
// the order they were applied.
Result<std::vector<std::string>> applied_migrations(api::ApiClient& client, const std::string& account,
                                                    const std::string& db_id, const std::string& table);

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

struct MigrationsApplied {
    std::vector<std::string> applied;  // in order
    size_t already = 0;                // files that were applied before
    std::string failed;                // the file that failed ("" when none)
    std::string failed_at;             // "<dir>/<file>:<line>:<column>" (file only when D1 named no offset)
    std::optional<Error> error;        // set when a migration failed or the run was cancelled
};
// Applies the migrations of `all` not yet recorded in `table`, in order, each as one batch; stops at the first that
// fails (it and the later ones are not applied) or when `cancel` is set between two files. `display_dir` prefixes
// the file names in errors.
Result<MigrationsApplied> apply_migrations(api::ApiClient& client, const std::string& account, const std::string& db_id,
                                           const std::vector<Migration>& all, const std::string& table,
                                           const std::string& display_dir, CancelToken* cancel = nullptr);

struct MigrationsApplyReport {
    api::D1Database database;
    std::string dir;
    MigrationsApplied result;
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
