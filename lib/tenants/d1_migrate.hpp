#pragma once
// `tenants d1 migrate`: one migrations folder applied to the isolated D1 database (<prefix>-<id>) of every tenant
// of a namespace that carries the given tags, through the bulk pool (bounded concurrency, the client's shared
// pacing, Ctrl-C, a failure budget). Each database's own migrations table (wrangler's d1_migrations) is the
// record of what is applied, so a rerun applies only what is missing.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/cancel.hpp"
#include "core/result.hpp"
#include "tenants/bulk.hpp"
#include "tenants/engine.hpp"
#include "workers/d1_migrations.hpp"

namespace tenantctl::tenants {

struct D1MigrateItem {
    std::string id;                                           // tenant
    std::string database;                                     // <prefix>-<id>
    ItemResult::Status status = ItemResult::Status::Skipped;  // Skipped: not started
    std::vector<std::string> applied;                         // this run, in order
    size_t already = 0;                                       // applied before this run
    std::string failed_at;                                    // "<dir>/<file>:<line>:<column>" of the failing migration
    std::string error;                                        // redacted
};

struct D1MigrateOptions {
    std::string ns;
    std::string prefix;  // database names are <prefix>-<id>
    std::vector<std::string> tags;
    std::string dir;                                     // the migrations folder
    std::string display_dir;                             // as the user gave it (in messages)
    std::string table = workers::k_d1_migrations_table;  // the migrations table in each database
    int concurrency = 8;
    int max_failures = 0;  // 0 = no limit
    CancelToken* cancel = nullptr;
    std::function<void(const D1MigrateItem&, size_t done, size_t total)> on_done;  // serialized
};

struct D1MigrateReport {
    std::vector<std::string> migrations;  // the folder's files, in order
    std::vector<D1MigrateItem> items;     // one per matching tenant, by id
    // A migration file SQLite cannot parse fails in every database alike: the first such error stops the run
    // (nothing new starts) and is the command's error (FILE:LINE:COLUMN), not a per-tenant failure.
    std::optional<Error> file_error;
};
// True for an SQL error that is the file's, whatever the database holds (syntax, incomplete input, bad token).
bool is_sql_syntax_error(const std::string& message);

// Errors before any database is touched: no migration file, a namespace that does not exist or no tenant that
// matches. A tenant without its isolated database fails (it is named in its item).
Result<D1MigrateReport> migrate_tenant_databases(api::ApiClient& client, const std::string& account,
                                                 const D1MigrateOptions& o);

}  // namespace tenantctl::tenants
