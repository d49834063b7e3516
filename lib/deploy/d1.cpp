#include "deploy/d1.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/strings.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

std::string str_at(const json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool looks_like_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

// An SQL error from the API, placed in `text` (what was sent) and named by `display` (a file, or --command).
Error place_sql_error(const Error& e, const std::string& text, const std::string& display, std::string* at = nullptr) {
    long long offset = d1_error_offset(e.message);
    std::string where = display;
    if (at) *at = where;
    // Only SQLite's errors are the SQL's; anything else (auth, network, a server error) stays as it is.
    if (e.kind != ErrorKind::Api || (offset < 0 && e.message.find("SQLITE_") == std::string::npos)) return e;
    if (offset >= 0) {
        auto p = position_at(text, offset);
        if (p.line > 0) where += ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
    }
    if (at) *at = where;
    Error out(ErrorKind::Input, where + ": " + d1_error_text(e),
              "nothing of the batch was applied (its statements run all or none); fix the SQL and run it again");
    out.http_status = e.http_status;
    out.api_errors = e.api_errors;
    return out;
}

}  // namespace

Result<D1Target> d1_target(const json& normalized, const std::string& base_dir, const std::string& arg) {
    if (arg.empty())
        return Error(ErrorKind::Usage, "no D1 database was given",
                     "name it by its binding or database_name in the wrangler config, or by its name or uuid");
    D1Target t;
    t.arg = arg;
    t.name = arg;
    t.migrations_dir = join_path(base_dir, k_d1_migrations_dir);
    const json* dbs = nullptr;
    if (normalized.is_object())
        if (auto it = normalized.find("d1_databases"); it != normalized.end() && it->is_array()) dbs = &*it;
    if (!dbs) return t;
    for (const auto& b : *dbs) {
        if (str_at(b, "binding") != arg && str_at(b, "database_name") != arg) continue;
        t.binding = str_at(b, "binding");
        if (auto n = str_at(b, "database_name"); !n.empty()) t.name = n;
        t.id = str_at(b, "database_id");
        if (auto d = str_at(b, "migrations_dir"); !d.empty()) t.migrations_dir = absolute_path(d, base_dir);
        if (auto tb = str_at(b, "migrations_table"); !tb.empty()) t.migrations_table = tb;
        break;
    }
    TRY_STATUS(check_migrations_table(t.migrations_table));
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

long long migration_number(const std::string& name) {
    size_t n = 0;
    while (n < name.size() && n < 18 && std::isdigit(static_cast<unsigned char>(name[n]))) ++n;
    if (n == 0) return -1;
    return std::stoll(name.substr(0, n));
}

void sort_migrations(std::vector<Migration>& migrations) {
    std::stable_sort(migrations.begin(), migrations.end(), [](const Migration& a, const Migration& b) {
        bool an = a.number >= 0, bn = b.number >= 0;
        if (an != bn) return an;
        if (a.number != b.number) return a.number < b.number;
        return a.name < b.name;
    });
}

Result<std::vector<Migration>> list_migrations(const std::string& dir) {
    if (!dir_exists(dir))
        return Error(ErrorKind::NotFound, "no migrations folder at " + dir,
                     "set migrations_dir in the d1_databases binding, or pass --dir");
    std::vector<Migration> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        std::string name = e.path().filename().string();
        if (!ends_with(name, ".sql") || !e.is_regular_file(ec)) continue;
        out.push_back({name, e.path().string(), migration_number(name)});
    }
    if (ec) return Error(ErrorKind::Io, "cannot read the migrations folder " + dir + ": " + ec.message());
    sort_migrations(out);
    return out;
}

Status check_migrations_table(const std::string& table) {
    bool ok = !table.empty() && table.size() <= 64 && !std::isdigit(static_cast<unsigned char>(table[0]));
    for (unsigned char c : table)
        if (!(std::isalnum(c) || c == '_')) ok = false;
    if (!ok)
        return Error(ErrorKind::Config, "invalid migrations_table " + quoted(table),
                     "a table name of letters, digits and '_' (default d1_migrations)");
    return {};
}

std::string migration_batch(const std::string& file_text, const std::string& name, const std::string& table) {
    std::string escaped;
    for (char c : name) escaped += c == '\'' ? std::string("''") : std::string(1, c);
    return file_text + "\n;\nINSERT INTO " + table + " (name) VALUES ('" + escaped + "');\n";
}

long long d1_error_offset(const std::string& message) {
    static const std::string key = " at offset ";
    size_t at = message.rfind(key);
    if (at == std::string::npos) return -1;
    size_t p = at + key.size(), q = p;
    while (q < message.size() && q - p < 12 && std::isdigit(static_cast<unsigned char>(message[q]))) ++q;
    if (q == p) return -1;
    return std::stoll(message.substr(p, q - p));
}

std::string d1_error_text(const Error& e) {
    std::string m = e.api_errors.empty() ? e.message : e.api_errors.front().message;
    if (size_t at = m.rfind(" at offset "); at != std::string::npos) {
        m.erase(at);
    } else if (ends_with(m, ": SQLITE_ERROR")) {
        m.erase(m.size() - std::string(": SQLITE_ERROR").size());
    }
    return m;
}

SourcePosition position_at(const std::string& text, long long offset) {
    if (offset < 0 || offset >= static_cast<long long>(text.size())) return {};
    SourcePosition p{1, 1};
    for (long long i = 0; i < offset; ++i) {
        if (text[static_cast<size_t>(i)] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

Result<std::vector<std::string>> applied_migrations(api::ApiClient& client, const std::string& account,
                                                    const std::string& db_id, const std::string& table) {
    TRY_STATUS(check_migrations_table(table));
    TRY_STATUS(client.query_d1(account, db_id,
                               "CREATE TABLE IF NOT EXISTS " + table +
                                   "(\n    id         INTEGER PRIMARY KEY AUTOINCREMENT,\n    name       TEXT UNIQUE,\n"
                                   "    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n);"));
    TRY_ASSIGN(auto res, client.query_d1(account, db_id, "SELECT name FROM " + table + " ORDER BY id"));
    std::vector<std::string> names;
    if (!res.empty())
        for (const auto& row : res.front().rows)
            if (row.is_array() && !row.empty() && row[0].is_string()) names.push_back(row[0].get<std::string>());
    return names;
}

Result<MigrationsList> d1_migrations_list(api::ApiClient& client, const std::string& account, const D1Target& t) {
    MigrationsList out;
    out.dir = t.migrations_dir;
    TRY_ASSIGN(auto files, list_migrations(t.migrations_dir));
    TRY_ASSIGN(out.database, find_d1_database(client, account, t));
    TRY_ASSIGN(auto applied, applied_migrations(client, account, out.database.uuid, t.migrations_table));
    for (const auto& f : files)
        out.migrations.push_back({f.name, std::find(applied.begin(), applied.end(), f.name) != applied.end()});
    for (const auto& a : applied)
        if (std::none_of(files.begin(), files.end(), [&](const Migration& f) { return f.name == a; }))
            out.migrations.push_back({a, true});
    return out;
}

Result<MigrationsApplied> apply_migrations(api::ApiClient& client, const std::string& account, const std::string& db_id,
                                           const std::vector<Migration>& all, const std::string& table,
                                           const std::string& display_dir, CancelToken* cancel) {
    MigrationsApplied out;
    TRY_ASSIGN(auto applied, applied_migrations(client, account, db_id, table));
    for (const auto& m : all) {
        if (std::find(applied.begin(), applied.end(), m.name) != applied.end()) {
            ++out.already;
            continue;
        }
        if (cancel && cancel->cancelled()) {
            out.error = Error(ErrorKind::Interrupted, "interrupted before " + m.name + " was applied",
                              "run the same command again: applied migrations are not applied twice");
            return out;
        }
        std::string display = join_path(display_dir, m.name);
        auto text = read_file_limited(m.path, limits::k_max_input_file_bytes, "migration " + display);
        if (!text.ok()) {
            out.failed = m.name;
            out.failed_at = display;
            out.error = std::move(text).error();
            return out;
        }
        auto r = client.query_d1(account, db_id, migration_batch(*text, m.name, table));
        if (!r.ok()) {
            out.failed = m.name;
            Error e = place_sql_error(r.error(), *text, display, &out.failed_at);
            if (e.kind == ErrorKind::Input)
                e.hint = "nothing of " + m.name + " (or later migrations) was applied; fix it and apply again";
            out.error = std::move(e);
            return out;
        }
        out.applied.push_back(m.name);
    }
    return out;
}

Result<MigrationsApplyReport> d1_migrations_apply(api::ApiClient& client, const std::string& account, const D1Target& t,
                                                  CancelToken* cancel) {
    MigrationsApplyReport out;
    out.dir = t.migrations_dir;
    TRY_ASSIGN(auto files, list_migrations(t.migrations_dir));
    TRY_ASSIGN(out.database, find_d1_database(client, account, t));
    TRY_ASSIGN(out.result, apply_migrations(client, account, out.database.uuid, files, t.migrations_table,
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
    if (!r.ok()) return place_sql_error(r.error(), sql, display);
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
