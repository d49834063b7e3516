#pragma once
// D1 databases of the local platform: each database's data is one SQLite file, <state_dir>/d1/<uuid>.sqlite,
// shared by the API's query endpoints and the worker runtime (a worker's D1 binding), so both see the same rows.
#include <nlohmann/json.hpp>
#include <string>

#include "core/result.hpp"

namespace tenantctl::platform {

// True for a database id the platform keeps a file for: 1 to 64 of [0-9a-zA-Z-] (a uuid in practice).
bool valid_d1_id(const std::string& uuid);
// <state_dir>/d1/<uuid>.sqlite (the caller checks valid_d1_id first).
std::string d1_database_path(const std::string& state_dir, const std::string& uuid);

// The outcome of running SQL against a database file: one entry per statement, shaped as the D1 API's
// `query` result ({results: [{column: value}], success, meta}) or, with `raw`, its `raw` result
// ({results: {columns, rows}, success, meta}). An Error (kind Input) carries SQLite's message for bad SQL.
// `params` (an array, may be null) binds to the statement's ?/?NNN parameters; with several statements
// only a parameterless batch is accepted, as D1 does.
Result<nlohmann::json> d1_run(const std::string& path, const std::string& sql, const nlohmann::json& params, bool raw);
// Size of the file and the number of user tables (0, 0 when the file does not exist yet).
void d1_stats(const std::string& path, int64_t& file_size, int64_t& num_tables);
// Removes the database file and its WAL/SHM companions.
void d1_remove(const std::string& path);

}  // namespace tenantctl::platform
