#pragma once
// D1 migrations as wrangler has them: the `.sql` files of a folder applied in order, each as one batch together with
// its record in wrangler's table `d1_migrations(id, name, applied_at)` inside the database, so a database migrated by
// wrangler and by tenantctl agree on what is applied. Shared by the `d1 migrations` commands (deploy/d1.hpp) and
// `tenants d1 migrate`.
// SQL errors name the file and line they came from: D1 says where ("… at offset N: SQLITE_ERROR", N a byte offset
// into the SQL sent) and that offset is mapped back to the file.
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/cancel.hpp"
#include "core/result.hpp"

namespace tenantctl::workers {

inline constexpr const char* k_d1_migrations_table = "d1_migrations";

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

// An SQL error from the API, placed in `text` (what was sent) and named by `display` (a file, or --command): SQLite's
// errors become Input errors naming `display` (with :LINE:COLUMN when D1 named an offset), anything else is returned
// as it is. `at`, when given, receives where the error was placed.
Error place_sql_error(const Error& e, const std::string& text, const std::string& display, std::string* at = nullptr);

// Creates the migrations table when missing (as wrangler does before listing) and reads the applied names, in
// the order they were applied.
Result<std::vector<std::string>> applied_migrations(api::ApiClient& client, const std::string& account,
                                                    const std::string& db_id, const std::string& table);

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

}  // namespace tenantctl::workers
