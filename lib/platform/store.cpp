#include "platform/store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <map>

namespace tenantctl::platform {

namespace {

// A prepared statement, reset on scope exit.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) : m_db(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
            throw StoreError(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db));
    }
    ~Stmt() { sqlite3_finalize(m_stmt); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& bind(int i, const std::string& s) {
        sqlite3_bind_text(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind_blob(int i, const std::string& s) {
        sqlite3_bind_blob(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, int64_t v) {
        sqlite3_bind_int64(m_stmt, i, v);
        return *this;
    }
    bool step() {
        int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw StoreError(std::string("sqlite step failed: ") + sqlite3_errmsg(m_db));
    }
    std::string text(int col) {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(m_stmt, col));
        int n = sqlite3_column_bytes(m_stmt, col);
        return p ? std::string(p, static_cast<size_t>(n)) : std::string();
    }
    int64_t integer(int col) { return sqlite3_column_int64(m_stmt, col); }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

StoredObject read_row(Stmt& s) {
    StoredObject o;
    o.name = s.text(0);
    o.doc = nlohmann::json::parse(s.text(1), nullptr, false);
    o.blob = s.text(2);
    o.seq = s.integer(3);
    return o;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, bool durable) {
    std::unique_ptr<Store> s(new Store());
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &s->m_db, flags, nullptr) != SQLITE_OK) {
        std::string msg = s->m_db ? sqlite3_errmsg(s->m_db) : "out of memory";
        return Error(ErrorKind::Io, "cannot open the state database " + path + ": " + msg);
    }
    if (path != ":memory:") ::chmod(path.c_str(), 0600);
    try {
        sqlite3_busy_timeout(s->m_db, 5000);
        s->exec("PRAGMA journal_mode=WAL");
        s->exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        s->exec("PRAGMA foreign_keys=ON");
        s->exec(
            "CREATE TABLE IF NOT EXISTS objects("
            " kind TEXT NOT NULL, parent TEXT NOT NULL, name TEXT NOT NULL,"
            " doc TEXT NOT NULL, blob BLOB, seq INTEGER NOT NULL,"
            " PRIMARY KEY(kind, parent, name)) WITHOUT ROWID");
        s->exec("CREATE INDEX IF NOT EXISTS objects_by_seq ON objects(kind, parent, seq)");
        s->exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        Stmt q(s->m_db, "SELECT COALESCE(MAX(seq), 0) FROM objects");
        if (q.step()) s->m_seq = q.integer(0);
    } catch (const StoreError& e) {
        return Error(ErrorKind::Io, "cannot initialise the state database " + path + ": " + e.what());
    }
    return s;
}

Store::~Store() {
    if (m_db) sqlite3_close_v2(m_db);
}

void Store::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw StoreError("sqlite: " + msg + " (in " + sql + ")");
    }
}

void Store::transaction(bool write, const std::function<bool()>& fn) {
    std::set<std::string> touched;
    {
        std::lock_guard lock(m_mutex);
        m_touched.clear();
        exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
        bool commit = false;
        try {
            commit = fn();
        } catch (...) {
            sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
            m_touched.clear();
            throw;
        }
        if (commit && write) {
            exec("COMMIT");
            touched.swap(m_touched);
        } else {
            exec("ROLLBACK");
            m_touched.clear();
        }
    }
    if (touched.empty()) return;
    Listener l;
    {
        std::lock_guard lock(m_listener_mutex);
        l = m_listener;
    }
    if (l) l(touched);
}

void Store::set_listener(Listener listener) {
    std::lock_guard lock(m_listener_mutex);
    m_listener = std::move(listener);
}

std::optional<StoredObject> Store::get(const std::string& kind, const std::string& parent, const std::string& name) {
    Stmt s(m_db, "SELECT name, doc, blob, seq FROM objects WHERE kind=?1 AND parent=?2 AND name=?3");
    s.bind(1, kind).bind(2, parent).bind(3, name);
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

std::vector<StoredObject> Store::list(const std::string& kind, const std::string& parent, bool by_seq,
                                      const std::string& prefix, const std::string& after, int64_t limit) {
    std::string sql = "SELECT name, doc, blob, seq FROM objects WHERE kind=?1 AND parent=?2";
    if (!prefix.empty()) sql += " AND substr(name, 1, length(?3)) = ?3";
    if (!after.empty()) sql += " AND name > ?4";
    sql += by_seq ? " ORDER BY seq" : " ORDER BY name";
    sql += " LIMIT ?5";
    Stmt s(m_db, sql.c_str());
    s.bind(1, kind).bind(2, parent);
    if (!prefix.empty()) s.bind(3, prefix);
    if (!after.empty()) s.bind(4, after);
    s.bind(5, limit);
    std::vector<StoredObject> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

int64_t Store::count(const std::string& kind, const std::string& parent) {
    Stmt s(m_db, "SELECT COUNT(*) FROM objects WHERE kind=?1 AND parent=?2");
    s.bind(1, kind).bind(2, parent);
    s.step();
    return s.integer(0);
}

void Store::put(const std::string& kind, const std::string& parent, const std::string& name, const nlohmann::json& doc,
                const std::string& blob) {
    m_touched.insert(kind);
    Stmt s(m_db,
           "INSERT INTO objects(kind, parent, name, doc, blob, seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
           "ON CONFLICT(kind, parent, name) DO UPDATE SET doc=excluded.doc, blob=excluded.blob");
    s.bind(1, kind).bind(2, parent).bind(3, name).bind(4, doc.dump()).bind_blob(5, blob).bind(6, ++m_seq);
    s.step();
}

bool Store::erase(const std::string& kind, const std::string& parent, const std::string& name) {
    m_touched.insert(kind);
    Stmt s(m_db, "DELETE FROM objects WHERE kind=?1 AND parent=?2 AND name=?3");
    s.bind(1, kind).bind(2, parent).bind(3, name);
    s.step();
    return sqlite3_changes(m_db) > 0;
}

int64_t Store::erase_all(const std::string& kind, const std::string& parent, const std::string& parent_prefix) {
    m_touched.insert(kind);
    Stmt s(m_db,
           "DELETE FROM objects WHERE kind=?1 AND (parent=?2 OR (length(?3) > 0 AND "
           "substr(parent, 1, length(?3)) = ?3))");
    s.bind(1, kind).bind(2, parent).bind(3, parent_prefix);
    s.step();
    return sqlite3_changes(m_db);
}

std::optional<std::string> Store::meta(const std::string& key) {
    Stmt s(m_db, "SELECT value FROM meta WHERE key=?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void Store::set_meta(const std::string& key, const std::string& value) {
    Stmt s(m_db, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value");
    s.bind(1, key).bind(2, value);
    s.step();
}

std::string Store::integrity_check() {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, "PRAGMA integrity_check");
    std::string out;
    while (s.step()) out += s.text(0);
    return out;
}

}  // namespace tenantctl::platform
