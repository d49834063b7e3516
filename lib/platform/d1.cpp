#include "platform/d1.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "core/fs.hpp"

namespace tenantctl::platform {

using json = nlohmann::json;

bool valid_d1_id(const std::string& uuid) {
    if (uuid.empty() || uuid.size() > 64) return false;
    for (char ch : uuid)
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-'))
            return false;
    return true;
}

std::string d1_database_path(const std::string& state_dir, const std::string& uuid) {
    return join_path(join_path(state_dir, "d1"), uuid + ".sqlite");
}

namespace {

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

Result<DbPtr> open_db(const std::string& path) {
    if (auto st = make_dirs(parent_dir(path), 0700); !st.ok()) return st.error();
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK)
        return Error(ErrorKind::Io, "cannot open the D1 database " + path + ": " +
                                        (raw ? sqlite3_errmsg(raw) : std::string("out of memory")));
    ::chmod(path.c_str(), 0600);
    sqlite3_busy_timeout(db.get(), 5000);
    sqlite3_exec(db.get(), "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    return db;
}

json column_value(sqlite3_stmt* st, int i) {
    switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            return static_cast<int64_t>(sqlite3_column_int64(st, i));
        case SQLITE_FLOAT:
            return sqlite3_column_double(st, i);
        case SQLITE_NULL:
            return nullptr;
        case SQLITE_BLOB: {  // D1 returns blobs as arrays of byte values
            json arr = json::array();
            auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
            int n = sqlite3_column_bytes(st, i);
            for (int k = 0; k < n; ++k) arr.push_back(static_cast<int>(p[k]));
            return arr;
        }
        default: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            int n = sqlite3_column_bytes(st, i);
            return p ? std::string(p, static_cast<size_t>(n)) : std::string();
        }
    }
}

Status bind_params(sqlite3_stmt* st, const json& params) {
    if (params.is_null()) return {};
    if (!params.is_array()) return Error(ErrorKind::Input, "params must be an array");
    int n = sqlite3_bind_parameter_count(st);
    if (static_cast<int>(params.size()) > n)
        return Error(ErrorKind::Input, "wrong number of parameter bindings for SQL query: the query takes " +
                                           std::to_string(n) + ", got " + std::to_string(params.size()));
    for (int i = 0; i < static_cast<int>(params.size()); ++i) {
        const json& v = params[static_cast<size_t>(i)];
        int at = i + 1;
        if (v.is_null()) {
            sqlite3_bind_null(st, at);
        } else if (v.is_boolean()) {
            sqlite3_bind_int64(st, at, v.get<bool>() ? 1 : 0);
        } else if (v.is_number_integer()) {
            sqlite3_bind_int64(st, at, v.get<int64_t>());
        } else if (v.is_number()) {
            sqlite3_bind_double(st, at, v.get<double>());
        } else if (v.is_string()) {
            const auto& s = v.get_ref<const std::string&>();
            sqlite3_bind_text(st, at, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        } else {
            std::string s = v.dump();
            sqlite3_bind_text(st, at, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        }
    }
    return {};
}

// The first character of `p` that is not whitespace, ';' or a comment.
const char* skip_space_and_comments(const char* p) {
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
            ++p;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n') ++p;
        } else if (p[0] == '/' && p[1] == '*') {
            p += 2;
            while (*p && !(p[0] == '*' && p[1] == '/')) ++p;
            if (*p) p += 2;
        } else {
            break;
        }
    }
    return p;
}

bool only_space_or_comments(const char* p) {
    return *skip_space_and_comments(p) == '\0';
}

// SQLite's message as D1 words it: "<message> at offset <N>: SQLITE_ERROR", N a byte offset into the whole SQL
// sent (SQLite's own error offset for a token it can point at, else the start of the failing statement), so a
// client can map it back to a line of the file the SQL came from.
Error sql_error(sqlite3* db, const std::string& sql, const char* statement, bool prepare_failed) {
    std::string msg = sqlite3_errmsg(db);
    long long at = skip_space_and_comments(statement) - sql.c_str();
    if (prepare_failed) {
        int offset = sqlite3_error_offset(db);
        if (offset >= 0) at = (statement - sql.c_str()) + offset;
    }
    return Error(ErrorKind::Input, msg + " at offset " + std::to_string(at) + ": SQLITE_ERROR");
}

Result<json> run_statements(sqlite3* db_raw, const std::string& path, const std::string& sql, const json& params,
                            bool raw) {
    struct NoClose {
        sqlite3* p;
        sqlite3* get() const { return p; }
    } db{db_raw};
    json out = json::array();
    const char* tail = sql.c_str();
    const char* end = sql.c_str() + sql.size();
    bool has_params = params.is_array() && !params.empty();
    int statements = 0;
    while (tail < end && !only_space_or_comments(tail)) {
        sqlite3_stmt* raw_st = nullptr;
        const char* next = nullptr;
        auto started = std::chrono::steady_clock::now();
        const char* statement = tail;
        if (sqlite3_prepare_v2(db.get(), tail, static_cast<int>(end - tail), &raw_st, &next) != SQLITE_OK)
            return sql_error(db.get(), sql, statement, true);
        std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw_st, sqlite3_finalize);
        tail = next;
        if (!st) continue;  // a comment or an empty statement
        if (++statements > 1 && has_params)
            return Error(ErrorKind::Input, "a query with parameters must be a single statement");
        if (auto b = bind_params(st.get(), params); !b.ok()) return b.error();
        int cols = sqlite3_column_count(st.get());
        json columns = json::array();
        for (int i = 0; i < cols; ++i) columns.push_back(sqlite3_column_name(st.get(), i));
        json rows = json::array();
        int64_t rows_read = 0;
        int64_t before = sqlite3_total_changes64(db.get());
        for (;;) {
            int rc = sqlite3_step(st.get());
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return sql_error(db.get(), sql, statement, false);
            ++rows_read;
            if (raw) {
                json row = json::array();
                for (int i = 0; i < cols; ++i) row.push_back(column_value(st.get(), i));
                rows.push_back(std::move(row));
            } else {
                json row = json::object();
                for (int i = 0; i < cols; ++i) row[sqlite3_column_name(st.get(), i)] = column_value(st.get(), i);
                rows.push_back(std::move(row));
            }
        }
        int64_t changes = sqlite3_total_changes64(db.get()) - before;
        bool read_only = sqlite3_stmt_readonly(st.get()) != 0;
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        struct stat sb {};
        int64_t size = ::stat(path.c_str(), &sb) == 0 ? static_cast<int64_t>(sb.st_size) : 0;
        json meta{{"served_by", "tenantctl-dev"},
                  {"served_by_region", "local"},
                  {"served_by_primary", true},
                  {"duration", ms},
                  {"changes", changes},
                  {"last_row_id", static_cast<int64_t>(sqlite3_last_insert_rowid(db.get()))},
                  {"changed_db", !read_only && changes > 0},
                  {"size_after", size},
                  {"rows_read", rows_read},
                  {"rows_written", changes}};
        json entry{{"success", true}, {"meta", meta}};
        if (raw) {
            entry["results"] = {{"columns", columns}, {"rows", rows}};
        } else {
            entry["results"] = rows;
        }
        out.push_back(std::move(entry));
    }
    if (statements == 0) return Error(ErrorKind::Input, "the SQL has no statement to run");
    return out;
}

}  // namespace

// The statements run in one transaction, as D1 runs a batch: all of them or none.
Result<json> d1_run(const std::string& path, const std::string& sql, const json& params, bool raw) {
    TRY_ASSIGN(DbPtr db, open_db(path));
    if (sqlite3_exec(db.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        return Error(ErrorKind::Io, std::string("cannot start a transaction: ") + sqlite3_errmsg(db.get()));
    auto r = run_statements(db.get(), path, sql, params, raw);
    if (!r.ok()) {
        sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        return r;
    }
    if (sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        std::string msg = sqlite3_errmsg(db.get());
        sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        return Error(ErrorKind::Input, msg + ": SQLITE_ERROR");
    }
    return r;
}

void d1_stats(const std::string& path, int64_t& file_size, int64_t& num_tables) {
    file_size = 0;
    num_tables = 0;
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) return;
    file_size = static_cast<int64_t>(sb.st_size);
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(raw, 2000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(raw,
                               "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                               "AND name NOT LIKE '_cf_%'",
                               -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            num_tables = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close_v2(raw);
}

void d1_remove(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
}

}  // namespace tenantctl::platform
