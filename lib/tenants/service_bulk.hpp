#pragma once
// The tenants verbs that work on every tenant carrying given tags (restart, delete, d1 migrate; secret put --tag
// is in service.hpp), through the one bounded pool of tenants/bulk.hpp with its progress and the API's pacing
// reported through a Progress.
#include <memory>
#include <mutex>

#include "api/pacer.hpp"
#include "tenants/d1_migrate.hpp"
#include "tenants/service.hpp"

namespace tenantctl::tenants {

// Forwards to `inner` (may be null) and reports the client's rate-limit waits through it, with an estimate for
// the rest (each item costing about `requests_per_item` requests). The pacer's observer is set while it lives.
class PacedProgress : public Progress {
public:
    PacedProgress(Progress* inner, api::Pacer* pacer, double requests_per_item = 1.0);
    ~PacedProgress() override;
    PacedProgress(const PacedProgress&) = delete;
    PacedProgress& operator=(const PacedProgress&) = delete;

    void start(size_t total) override;
    void advance(const ProgressStep& step) override;
    void waiting(std::string_view line, std::chrono::milliseconds wait) override;
    void note(std::string_view line) override;
    void finish() override;

private:
    void on_pace(const api::PaceEvent& e);
    Progress* m_inner;
    api::Pacer* m_pacer;
    double m_per_item;
    std::mutex m_mutex;
    size_t m_total = 0, m_done = 0;
};

// The tenants of the namespace with every tag; NotFound (exit 1) when none has them.
Result<std::vector<std::string>> tagged_ids(const ApiHandle& api, const std::string& ns,
                                            const std::vector<std::string>& tags);
// Runs `fn` on every id in the pool; `verb` is the detail of a success that says nothing itself.
BulkReport run_bulk(const ApiHandle& api, const std::vector<std::string>& ids, const std::string& verb,
                    const std::function<Status(const std::string& id, std::string& detail)>& fn, const BulkRun& run);

// ---- restart ---------------------------------------------------------------------------------------------

struct RestartOptions {
    TargetOptions target;
    std::string id;                 // one tenant, or
    std::vector<std::string> tags;  // every tenant with these tags
    std::string app;                // --app
    config::LoadOptions config;
    BulkRun bulk;
};
struct RestartReport {
    std::string id, application, application_id;
    bool restarted = false;
    std::string instance_id;
    std::string ns;                  // with tags
    std::vector<std::string> tags;   // with tags
    std::optional<BulkReport> bulk;  // with tags
};
Result<RestartReport> restart_tenants(const RestartOptions& o, const Connect& connect);

// ---- delete ----------------------------------------------------------------------------------------------

struct DeleteOptions {
    TargetOptions target;
    std::string id;                 // one tenant, or
    std::vector<std::string> tags;  // every tenant with these tags (server-side; with purge: one by one)
    bool purge = false;
    BulkRun bulk;
    Confirm confirm;
};
struct PurgePlanItem {
    std::string id;
    std::vector<std::string> resources;  // "kv:<name>", …
};
struct DeleteReport {
    std::string ns, id;
    std::vector<std::string> tags;
    bool purge = false;
    std::vector<std::string> purged;   // one tenant with purge
    std::string resource_name;         // one tenant: <prefix>-<id>
    std::vector<std::string> deleted;  // with tags, without purge: the ids the server deleted
    std::vector<PurgePlanItem> plan;   // with tags and purge
    size_t plan_resources = 0;         // with tags and purge
    std::optional<BulkReport> bulk;    // with tags and purge
};
// With tags and purge the plan is handed to `on_plan` (to show it) before `confirm` is asked.
Result<DeleteReport> delete_tenants(const DeleteOptions& o, const Connect& connect,
                                    const std::function<void(const DeleteReport&)>& on_plan = {});

// ---- d1 migrate ------------------------------------------------------------------------------------------

struct D1MigrateCommand {
    TargetOptions target;
    std::vector<std::string> tags;
    std::string dir;  // as given (relative to target.cwd)
    std::string table = workers::k_d1_migrations_table;
    int max_failures = 0;
    BulkRun bulk;
};
struct D1MigrateCommandReport {
    std::string ns;
    D1MigrateReport report;
    size_t done = 0, failed = 0, skipped = 0;
    bool interrupted = false;
};
Result<D1MigrateCommandReport> migrate_databases(const D1MigrateCommand& o, const Connect& connect);

}  // namespace tenantctl::tenants
