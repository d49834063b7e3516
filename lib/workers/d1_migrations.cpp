#include "workers/d1_migrations.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/strings.hpp"

namespace tenantctl::workers {

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

Error place_sql_error(const Error& e, const std::string& text, const std::string& display, std::string* at) {
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

}  // namespace tenantctl::workers
