#pragma once
// `tenants apply` in two steps, so that the plan can be shown (and a dry run end) before anything is sent:
// plan_apply reads the file and the namespace and plans; run_apply asks before deletes and rolls the plan out.
// `tenants rollback`: the recorded applies of a namespace, and undoing one.
#include <chrono>
#include <memory>
#include <optional>

#include "tenants/rollout.hpp"
#include "tenants/service.hpp"

namespace tenantctl::tenants {

struct ApplyCommandOptions {
    std::string file;  // -f (required)
    std::string ns;    // --namespace overrides the file's
    std::string cwd;
    const Env* env = nullptr;
    bool prune = false, purge = false, force = false, no_record = false;
    int concurrency = 8;
    std::string selector, canary, continue_after;
    std::string max_error_rate = "0%";
    int max_failures = 0;
};

// What apply will do; holds what run_apply needs (the plan points into `file`: keep it where it is).
struct ApplyPlan {
    ApplyCommandOptions options;
    TenantsFile file;
    SecretValues secrets;
    Source source;
    Observed observed;
    std::vector<PlanItem> full_plan;
    std::vector<PlanItem> plan;  // the selection
    Selector selector;
    std::optional<CanarySpec> canary;
    size_t canary_size = 0;  // with a canary: the first batch
    std::optional<std::chrono::milliseconds> continue_after;
    double max_error_rate = 0;
    size_t n_create = 0, n_update = 0, n_delete = 0, n_same = 0;
    std::vector<std::string> unlisted;  // managed tenants the file does not list (what --prune would delete)
    size_t work() const { return n_create + n_update + n_delete; }
};
// Errors of the file carry its diagnostics.
Result<std::unique_ptr<ApplyPlan>> plan_apply(const ApplyCommandOptions& o, const Connect& connect);

struct ApplyRunOptions {
    std::string records_dir;  // apply records (rollback): <records_dir>/<account>/<ns>/<apply id>
    CancelToken* cancel = nullptr;
    Progress* progress = nullptr;
    Confirm confirm;  // asked before deleting tenants
};
struct ApplyReport {
    std::vector<ItemResult> results;
    RolloutStop stop = RolloutStop::Done;
    size_t canary_size = 0, canary_failed = 0;
    std::optional<CanaryVerdict> verdict;
    std::string apply_id;      // "" when nothing was recorded
    std::string record_error;  // the apply record could not be written
    size_t created = 0, updated = 0, deleted = 0, unchanged = 0, failed = 0, skipped = 0;
    std::vector<std::string> changed;
    bool interrupted = false;
};
Result<ApplyReport> run_apply(ApplyPlan& plan, const ApplyRunOptions& o, const Connect& connect);

// ---- rollback --------------------------------------------------------------------------------------------

struct RollbackOptions {
    TargetOptions target;
    std::string to;  // apply id ("" = the latest not rolled back that changed something)
    std::string records_dir;
    BulkRun bulk;
    Confirm confirm;
};
struct AppliesReport {
    std::string ns;
    std::vector<ApplyRecordInfo> records;  // newest first
};
// How many tenants a record's apply changed.
size_t changed_count(const nlohmann::json& record);
Result<AppliesReport> list_applies(const RollbackOptions& o, const Connect& connect);

struct RollbackReport {
    std::string ns, apply_id;
    std::vector<RollbackItem> items;
    size_t ok = 0, failed = 0;
    size_t expected = 0;  // what the record says should be undone
    bool interrupted = false;
};
Result<RollbackReport> rollback_apply(const RollbackOptions& o, const Connect& connect);

}  // namespace tenantctl::tenants
