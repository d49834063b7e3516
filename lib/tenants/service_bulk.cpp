// The bulk tenants verbs (restart, delete, d1 migrate) and what they share: the tagged list, the pool with its
// progress, the API's pacing shown while it holds requests back.
#include "tenants/service_bulk.hpp"

#include <algorithm>

#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/strings.hpp"

namespace tenantctl::tenants {

using nlohmann::json;

PacedProgress::PacedProgress(Progress* inner, api::Pacer* pacer, double requests_per_item)
    : m_inner(inner), m_pacer(inner ? pacer : nullptr), m_per_item(requests_per_item) {
    if (m_pacer) m_pacer->set_observer([this](const api::PaceEvent& e) { on_pace(e); });
}

PacedProgress::~PacedProgress() {
    if (m_pacer) m_pacer->set_observer({});
}

void PacedProgress::start(size_t total) {
    std::lock_guard lock(m_mutex);
    m_total = total;
    if (m_inner) m_inner->start(total);
}

void PacedProgress::advance(const ProgressStep& step) {
    std::lock_guard lock(m_mutex);
    m_done = step.done;
    if (m_inner) m_inner->advance(step);
}

void PacedProgress::waiting(std::string_view line, std::chrono::milliseconds wait) {
    std::lock_guard lock(m_mutex);
    if (m_inner) m_inner->waiting(line, wait);
}

void PacedProgress::note(std::string_view line) {
    std::lock_guard lock(m_mutex);
    if (m_inner) m_inner->note(line);
}

void PacedProgress::finish() {
    std::lock_guard lock(m_mutex);
    if (m_inner) m_inner->finish();
}

void PacedProgress::on_pace(const api::PaceEvent& e) {
    std::lock_guard lock(m_mutex);
    size_t left = m_total - std::min(m_total, m_done);
    auto rest = m_pacer->estimate(static_cast<long long>(static_cast<double>(left) * m_per_item + 0.5));
    std::string why =
        e.reason == api::PaceReason::RetryAfter ? "the API answered 429 (Retry-After)"
        : e.reason == api::PaceReason::Window
            ? "the API's rate limit window" +
                  (e.quota ? " (" + std::to_string(e.quota) + " requests per " + std::to_string(e.window_s) + " s)"
                           : std::string())
            : "the client's rate limit (" + std::to_string(e.quota) + " requests per " + std::to_string(e.window_s) +
                  " s)";
    m_inner->waiting("waiting " + duration_text(e.wait) + " for " + why + "; about " +
                         duration_text(std::max(rest, e.wait)) + " for the remaining " + std::to_string(left),
                     e.wait);
}

Result<std::vector<std::string>> tagged_ids(const ApiHandle& api, const std::string& ns,
                                            const std::vector<std::string>& tags) {
    TRY_STATUS(check_tag_count(tags.size()));
    TRY_ASSIGN(auto list, tenants_tagged(*api.client, api.account, ns, tags));
    if (list.empty())
        return Error(ErrorKind::NotFound, "no tenant of dispatch namespace " + ns + " is tagged " + join(tags, " and "),
                     "list them with `tenants list --namespace " + ns + " --tag TAG`");
    std::vector<std::string> ids;
    for (const auto& t : list) ids.push_back(t.id);
    return ids;
}

BulkReport run_bulk(const ApiHandle& api, const std::vector<std::string>& ids, const std::string& verb,
                    const std::function<Status(const std::string& id, std::string& detail)>& fn, const BulkRun& run) {
    PacedProgress progress(run.progress, api.client->pacer());
    progress.start(ids.size());
    BulkOptions bo;
    bo.concurrency = run.concurrency;
    bo.cancel = run.cancel;
    bo.on_done = [&](const BulkItem& it, size_t done, size_t total) {
        progress.advance(
            {it.ok ? it.id + ": " + (it.detail.empty() ? verb : it.detail) : "failed: " + it.id + ": " + it.error,
             it.ok, done, total});
    };
    BulkReport rep;
    rep.verb = verb;
    rep.items = for_each_tenant(ids, fn, bo);
    progress.finish();
    for (const auto& it : rep.items) {
        if (!it.started)
            ++rep.skipped;
        else if (it.ok)
            ++rep.done;
        else
            ++rep.failed;
    }
    rep.interrupted = run.cancel && run.cancel->cancelled();
    return rep;
}

// ---- restart ---------------------------------------------------------------------------------------------

namespace {

Status need_app(const std::string& want) {
    if (!want.empty()) return {};
    return Error(ErrorKind::Usage, "no container application was given",
                 "pass --app NAME (or run where the wrangler config declares a container)");
}

Result<RestartReport> restart_tagged(const RestartOptions& o, const Connect& connect) {
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    const std::string want = wanted_application(o.app, o.config);
    TRY_STATUS(need_app(want));
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_ASSIGN(auto ids, tagged_ids(api, f.ns, o.tags));
    TRY_ASSIGN(json app, find_tenant_application(*api.client, api.account, want));
    TRY_ASSIGN(auto instances, application_instances(*api.client, api.account, app));
    RestartReport rep;
    rep.ns = f.ns;
    rep.tags = o.tags;
    rep.application = json_string(app, "name");
    rep.bulk = run_bulk(
        api, ids, "restarted",
        [&](const std::string& id, std::string& detail) -> Status {
            auto inst = tenant_instance(instances, app, id);
            std::string iid = inst ? inst->value("id", std::string()) : std::string();
            if (iid.empty()) {
                detail = "no instance: nothing to restart";
                return {};
            }
            Status r = api.client->delete_instance(api.account, json_string(app, "id"), iid);
            if (!r.ok() && r.error().kind != ErrorKind::NotFound) return std::move(r).error();
            detail = "stopped instance " + iid;
            return {};
        },
        o.bulk);
    return rep;
}

}  // namespace

Result<RestartReport> restart_tenants(const RestartOptions& o, const Connect& connect) {
    if (!o.tags.empty()) {
        if (!o.id.empty()) return Error(ErrorKind::Usage, "give either a tenant id or --tag, not both");
        return restart_tagged(o, connect);
    }
    if (o.id.empty())
        return Error(ErrorKind::Usage, "no tenant id and no --tag were given",
                     "tenants restart ID, or tenants restart --tag TAG --namespace NS");
    TRY_STATUS(check_id(o.id));
    const std::string want = wanted_application(o.app, o.config);
    TRY_STATUS(need_app(want));
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_ASSIGN(json app, find_tenant_application(*api.client, api.account, want));
    TRY_ASSIGN(auto instances, application_instances(*api.client, api.account, app));
    auto inst = tenant_instance(instances, app, o.id);
    RestartReport rep;
    rep.id = o.id;
    rep.application = json_string(app, "name");
    rep.application_id = json_string(app, "id");
    if (!inst) return rep;
    rep.instance_id = inst->value("id", std::string());
    TRY_STATUS(api.client->delete_instance(api.account, json_string(app, "id"), rep.instance_id));
    rep.restarted = true;
    return rep;
}

// ---- delete ----------------------------------------------------------------------------------------------

namespace {

const std::set<Resource> k_all_kinds{Resource::Kv, Resource::R2, Resource::D1};

// delete --tag T --purge: the tenants and their resources are listed first (the plan), then confirmed.
Result<DeleteReport> delete_tagged_purge(const DeleteOptions& o, const Connect& connect,
                                         const std::function<void(const DeleteReport&)>& on_plan) {
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_ASSIGN(auto ids, tagged_ids(api, f.ns, o.tags));
    TRY_ASSIGN(Observed obs, observe(*api.client, api.account, f.ns, k_all_kinds));
    DeleteReport rep;
    rep.ns = f.ns;
    rep.tags = o.tags;
    rep.purge = true;
    for (const auto& id : ids) {
        std::string name = resource_name(f.prefix, id);
        PurgePlanItem item{id, {}};
        if (obs.kv_by_title.count(name)) item.resources.push_back("kv:" + name);
        if (obs.r2_buckets.count(name)) item.resources.push_back("r2:" + name);
        if (obs.d1_by_name.count(name)) item.resources.push_back("d1:" + name);
        rep.plan_resources += item.resources.size();
        rep.plan.push_back(std::move(item));
    }
    if (on_plan) on_plan(rep);
    TRY_STATUS(o.confirm("delete " + std::to_string(ids.size()) + " tenant(s) tagged " + join(o.tags, " and ") +
                         " from dispatch namespace " + f.ns + " and " + std::to_string(rep.plan_resources) +
                         " resource(s)"));
    rep.bulk = run_bulk(
        api, ids, "deleted",
        [&](const std::string& id, std::string& detail) -> Status {
            auto st = api.client->delete_namespace_script(api.account, f.ns, id, true);
            if (!st.ok() && st.error().kind != ErrorKind::NotFound) return st;
            TRY_ASSIGN(auto gone, purge_resources(*api.client, api.account, f.prefix, id, obs));
            detail = gone.empty() ? "deleted" : "deleted, purged " + join(gone, ", ");
            return {};
        },
        o.bulk);
    return rep;
}

}  // namespace

Result<DeleteReport> delete_tenants(const DeleteOptions& o, const Connect& connect,
                                    const std::function<void(const DeleteReport&)>& on_plan) {
    bool by_tag = !o.tags.empty();
    if (by_tag == !o.id.empty()) {
        return Error(ErrorKind::Usage,
                     by_tag ? "give either a tenant id or --tag, not both" : "no tenant id and no --tag were given",
                     "tenants delete ID [--purge], or tenants delete --tag TAG (every tenant with the tag)");
    }
    if (by_tag && o.purge) return delete_tagged_purge(o, connect, on_plan);
    if (!by_tag) TRY_STATUS(check_id(o.id));
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    TRY_STATUS(check_tag_count(o.tags.size()));
    TRY_STATUS(check_tag_filter(o.tags));
    std::vector<std::string> filter;
    for (const auto& t : o.tags) filter.push_back(t + ":yes");
    DeleteReport rep;
    rep.ns = f.ns;
    rep.id = o.id;
    rep.tags = o.tags;
    rep.purge = o.purge;
    rep.resource_name = by_tag ? std::string() : resource_name(f.prefix, o.id);
    TRY_STATUS(o.confirm(by_tag
                             ? "delete every tenant tagged " + join(o.tags, " and ") + " in dispatch namespace " + f.ns
                             : "delete tenant " + o.id + " from dispatch namespace " + f.ns +
                                   (o.purge ? " and its resources (" + rep.resource_name + ")" : "")));
    TRY_ASSIGN(ApiHandle api, connect());
    if (by_tag) {
        for (int round = 0; round < 10000; ++round) {
            auto r = api.client->delete_namespace_scripts_by_tags(api.account, f.ns, join(filter, ","), 1000);
            if (!r.ok()) {
                if (rep.deleted.empty()) return std::move(r).error();
                return Error(ErrorKind::Partial,
                             "deleted " + std::to_string(rep.deleted.size()) + " tenant(s), then: " + r.error().message,
                             "run the same command again to delete the rest");
            }
            rep.deleted.insert(rep.deleted.end(), r->deleted.begin(), r->deleted.end());
            if (!r->has_more || r->deleted_count == 0) break;
        }
        return rep;
    }
    TRY_STATUS(api.client->delete_namespace_script(api.account, f.ns, o.id, true));
    if (!o.purge) return rep;
    TRY_ASSIGN(Observed obs, observe(*api.client, api.account, f.ns, k_all_kinds));
    auto gone = purge_resources(*api.client, api.account, f.prefix, o.id, obs);
    if (!gone.ok()) {
        Error e = std::move(gone).error();
        e.message = "tenant " + o.id + " was deleted, but purging its resources failed: " + e.message;
        e.kind = ErrorKind::Partial;
        e.hint = "run the same command again to purge the rest";
        return e;
    }
    rep.purged = std::move(gone).value();
    return rep;
}

// ---- d1 migrate ------------------------------------------------------------------------------------------

Result<D1MigrateCommandReport> migrate_databases(const D1MigrateCommand& o, const Connect& connect) {
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    TRY_STATUS(check_tag_count(o.tags.size()));
    TRY_ASSIGN(ApiHandle api, connect());
    PacedProgress progress(o.bulk.progress, api.client->pacer());
    D1MigrateOptions mo;
    mo.ns = f.ns;
    mo.prefix = f.prefix;
    mo.tags = o.tags;
    mo.dir = absolute_path(o.dir, o.target.cwd);
    mo.display_dir = o.dir;
    mo.table = o.table;
    mo.concurrency = o.bulk.concurrency;
    mo.max_failures = o.max_failures;
    mo.cancel = o.bulk.cancel;
    bool started = false;
    mo.on_done = [&](const D1MigrateItem& it, size_t done, size_t total) {
        if (!started) progress.start(total), started = true;
        bool ok = it.status == ItemResult::Status::Ok;
        progress.advance({ok ? it.id + ": " + (it.applied.empty() ? "up to date" : "applied " + join(it.applied, ", "))
                             : "failed: " + it.id + ": " + it.error,
                          ok, done, total});
    };
    auto r = migrate_tenant_databases(*api.client, api.account, mo);
    if (started) progress.finish();
    if (!r.ok()) return std::move(r).error();
    D1MigrateCommandReport rep;
    rep.ns = f.ns;
    rep.report = std::move(r).value();
    for (const auto& it : rep.report.items) {
        if (it.status == ItemResult::Status::Ok) ++rep.done;
        if (it.status == ItemResult::Status::Skipped) ++rep.skipped;
        if (it.status == ItemResult::Status::Failed) ++rep.failed;
    }
    rep.interrupted = o.bulk.cancel && o.bulk.cancel->cancelled();
    return rep;
}

}  // namespace tenantctl::tenants
