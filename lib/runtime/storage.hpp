#pragma once
// The storage service behind the runtime's KV, R2 and D1 bindings: workerd turns each binding call into an
// HTTP request (the protocols are workerd's own: kv.c++, r2-rpc.c++, d1-api.ts) to an `external` service
// whose injected `x-tenantctl-binding` header names the namespace, bucket or database. KV and R2 live in the
// platform's Store (the same rows the v4 API and `tenantctl kv|r2` read), each D1 database in its own
// SQLite file (platform::d1_database_path). Storage a binding names that does not exist yet (ids copied from a
// Cloudflare account) is created on first use and reported through `on_created`.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "platform/http.hpp"
#include "platform/store.hpp"

struct sqlite3;

namespace tenantctl::runtime {

class StorageService final : public platform::HttpHandler {
public:
    StorageService(platform::Store& store, std::string account_id, std::string state_dir, std::string token);
    ~StorageService() override;

    HeadCheck check_head(const platform::HttpRequest& head) override;
    platform::HttpResponse handle(const platform::HttpRequest& req) override;
    platform::HttpResponse error(int status, int code, const std::string& message) override;

    // Called (outside any lock) with "kv namespace ID" / "r2 bucket NAME" / "d1 database ID" when a binding
    // creates missing storage.
    std::function<void(const std::string&)> on_created;
    // Why the runtime stopped the tenant "ns/name" just now (empty when it did not): the dispatch binding asks
    // (binding "control", GET /why?script=ns/name) when a call fails, to report it as production words it.
    std::function<std::string(const std::string&)> why;
    // The runtime's tail worker (binding "tail") posts each batch of invocation records here: a JSON array of
    // trace items, each with its scriptName (and dispatchNamespace for a tenant's).
    std::function<void(const std::string&)> on_records;

private:
    platform::HttpResponse kv(const std::string& ns, const platform::HttpRequest& req);
    platform::HttpResponse r2(const std::string& bucket, const platform::HttpRequest& req);
    platform::HttpResponse d1(const std::string& id, const platform::HttpRequest& req);
    void ensure_kv_namespace(const std::string& id);
    void ensure_bucket(const std::string& name);
    sqlite3* d1_database(const std::string& id, std::string& error);

    platform::Store& m_store;
    std::string m_account;
    std::string m_state_dir;
    std::string m_token;
    std::mutex m_d1_mutex;  // one statement at a time per process: D1 is single-writer too
    std::map<std::string, sqlite3*> m_d1;
    std::mutex m_known_mutex;
    std::set<std::string> m_known;  // "kv:ID" / "r2:NAME" seen to exist (a deleted one is made again on next use)
};

}  // namespace tenantctl::runtime
