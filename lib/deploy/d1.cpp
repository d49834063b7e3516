#include "deploy/d1.hpp"

#include <algorithm>
#include <cctype>

#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/strings.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

bool looks_like_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

}  // namespace

Result<D1Target> d1_target(const config::Bindings& config, const std::string& base_dir, const std::string& arg) {
    if (arg.empty())
        return Error(ErrorKind::Usage, "no D1 database was given",
                     "name it by its binding or database_name in the wrangler config, or by its name or uuid");
    D1Target t;
    t.arg = arg;
    t.name = arg;
    t.migrations_dir = join_path(base_dir, k_d1_migrations_dir);
    for (const auto& b : config.d1_databases) {
        if (b.binding != arg && b.database_name != arg) continue;
        t.binding = b.binding;
        if (!b.database_name.empty()) t.name = b.database_name;
        t.id = b.database_id;
        if (!b.migrations_dir.empty()) t.migrations_dir = absolute_path(b.migrations_dir, base_dir);
        if (!b.migrations_table.empty()) t.migrations_table = b.migrations_table;
        break;
    }
    TRY_STATUS(workers::check_migrations_table(t.migrations_table));
    return t;
}

Result<api::D1Database> find_d1_database(api::ApiClient& client, const std::string& account, const D1Target& t) {
    std::string id = !t.id.empty() ? t.id : looks_like_uuid(t.arg) ? t.arg : std::string();
    if (!id.empty()) {
        auto got = client.get_d1_database(account, id);
        if (got.ok() || got.error().kind != ErrorKind::NotFound) return got;
        return Error(ErrorKind::NotFound, "D1 database " + quoted(id) + " does not exist",
                     "list the account's databases with `tenantctl d1 list`");
    }
    TRY_ASSIGN(auto all, client.list_d1_databases(account, t.name));
    for (auto& d : all)
        if (d.name == t.name) return client.get_d1_database(account, d.uuid);  // with its size and tables
    return Error(ErrorKind::NotFound,
                 "no D1 database is named " + quoted(t.name) +
                     (t.binding.empty() ? std::string() : " (binding " + t.binding + " of the wrangler config)"),
                 "create it with `tenantctl d1 create " + t.name + "`, or list them with `tenantctl d1 list`");
}

// ---- migrations -----------------------------------------------------------------------------------

Result<MigrationsList> d1_migrations_list(api::ApiClient& client, const std::string& account, const D1Target& t) {
    MigrationsList out;
    out.dir = t.migrations_dir;
    TRY_ASSIGN(auto files, workers::list_migrations(t.migrations_dir));
    TRY_ASSIGN(out.database, find_d1_database(client, account, t));
    TRY_ASSIGN(auto applied, workers::applied_migrations(client, account, out.database.uuid, t.migrations_table));
    for (const auto& f : files)
        out.migrations.push_back({f.name, std::find(applied.begin(), applied.end(), f.name) != applied.end()});
    for (const auto& a : applied)
        if (std::none_of(files.begin(), files.end(), [&](const workers::Migration& f) { return f.name == a; }))
            out.migrations.push_back({a, true});
    return out;
}

Result<MigrationsApplyReport> d1_migrations_apply(api::ApiClient& client, const std::string& account, const D1Target& t,
                                                  CancelToken* cancel) {
    MigrationsApplyReport out;
    out.dir = t.migrations_dir;
    TRY_ASSIGN(auto files, workers::list_migrations(t.migrations_dir));
    TRY_ASSIGN(out.database, find_d1_database(client, account, t));
    TRY_ASSIGN(out.result, workers::apply_migrations(client, account, out.database.uuid, files, t.migrations_table,
                                                     t.migrations_dir, cancel));
    return out;
}

Result<api::D1Database> d1_delete(api::ApiClient& client, const std::string& account, const D1Target& t) {
    TRY_ASSIGN(auto db, find_d1_database(client, account, t));
    TRY_STATUS(client.delete_d1_database(account, db.uuid));
    return db;
}

// ---- execute --------------------------------------------------------------------------------------

Result<ExecuteReport> d1_execute(api::ApiClient& client, const std::string& account, const D1Target& t,
                                 const SqlInput& in, const std::string& base_dir) {
    if (in.command.empty() == in.file.empty())
        return Error(ErrorKind::Usage, "give the SQL with either --command or --file");
    std::string sql = in.command, display = "--command";
    if (!in.file.empty()) {
        display = in.file;
        TRY_ASSIGN(sql, read_file_limited(absolute_path(in.file, base_dir), limits::k_max_input_file_bytes, in.file));
    }
    if (trim(sql).empty()) return Error(ErrorKind::Input, display + " holds no SQL");
    ExecuteReport out;
    TRY_ASSIGN(out.database, find_d1_database(client, account, t));
    auto r = client.query_d1(account, out.database.uuid, sql);
    if (!r.ok()) return workers::place_sql_error(r.error(), sql, display);
    out.results = std::move(r).value();
    return out;
}

json d1_rows_as_objects(const api::D1Result& r) {
    json rows = json::array();
    for (const auto& row : r.rows) {
        json o = json::object();
        for (size_t i = 0; i < r.columns.size() && row.is_array() && i < row.size(); ++i) o[r.columns[i]] = row[i];
        rows.push_back(std::move(o));
    }
    return rows;
}

}  // namespace tenantctl::deploy
