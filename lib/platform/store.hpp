#pragma once
// The local platform's state: one SQLite database (WAL) holding every resource as a JSON document.
//
// Durability: journal_mode=WAL with synchronous=NORMAL. In WAL mode a transaction is committed once its
// frames are appended to the WAL file; NORMAL skips the fsync at commit, so a power loss may roll back the
// last few transactions, but the database is never corrupt and a crashed *process* (kill -9) loses nothing
// that was committed: the WAL is in the OS page cache and is replayed on the next open. For a dev server on
// one machine that is the right trade; pass `durable = true` for synchronous=FULL (an fsync per commit).
//
// Every mutation runs inside one transaction (BEGIN IMMEDIATE … COMMIT) taken by the caller through
// transaction(); a script and its tags and secrets are therefore written together or not at all.
// Store methods throw StoreError on SQLite failures (the API layer turns that into a 500 envelope).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/result.hpp"

struct sqlite3;

namespace tenantctl::platform {

struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct StoredObject {
    std::string name;
    nlohmann::json doc;
    std::string blob;
    int64_t seq = 0;  // creation order
};

class Store {
public:
    // `path` may be ":memory:" (tests, fuzzing).
    static Result<std::unique_ptr<Store>> open(const std::string& path, bool durable = false);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Runs `fn` with the store locked, inside BEGIN IMMEDIATE … COMMIT when `write` is true. `fn` returns
    // false to roll the transaction back (a refused request); an exception rolls back and propagates.
    void transaction(bool write, const std::function<bool()>& fn);

    // The calls below must run inside transaction().
    std::optional<StoredObject> get(const std::string& kind, const std::string& parent, const std::string& name);
    // Objects of `kind` under `parent`, by name (or by creation order when `by_seq`), names > `after`,
    // starting with `prefix`; `limit` < 0 means all.
    std::vector<StoredObject> list(const std::string& kind, const std::string& parent, bool by_seq = true,
                                   const std::string& prefix = {}, const std::string& after = {}, int64_t limit = -1);
    int64_t count(const std::string& kind, const std::string& parent);
    // Inserts or replaces; a replaced object keeps its creation order.
    void put(const std::string& kind, const std::string& parent, const std::string& name, const nlohmann::json& doc,
             const std::string& blob = {});
    bool erase(const std::string& kind, const std::string& parent, const std::string& name);
    // Deletes every object of `kind` whose parent is `parent` or starts with `parent_prefix` (when not empty).
    int64_t erase_all(const std::string& kind, const std::string& parent, const std::string& parent_prefix = {});

    // Called after every committed write transaction with the kinds it wrote (outside the store lock, on
    // the committing thread). One listener; the runtime uses it to pick up new scripts and settings.
    using Listener = std::function<void(const std::set<std::string>& kinds)>;
    void set_listener(Listener listener);

    std::optional<std::string> meta(const std::string& key);
    void set_meta(const std::string& key, const std::string& value);

    // PRAGMA integrity_check (the durability test also runs the sqlite3 CLI).
    std::string integrity_check();

private:
    Store() = default;
    void exec(const char* sql);
    sqlite3* m_db = nullptr;
    std::mutex m_mutex;
    int64_t m_seq = 0;
    std::set<std::string> m_touched;  // kinds written by the open transaction
    std::mutex m_listener_mutex;
    Listener m_listener;
};

}  // namespace tenantctl::platform
