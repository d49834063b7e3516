// `tenants apply` (plan, then roll out) and `tenants rollback`.
#include "tenants/service_apply.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/strings.hpp"
#include "tenants/service_bulk.hpp"

namespace tenantctl::tenants {

using nlohmann::json;

namespace {

// The staged apply's rules: the selection, the canary batch and the stop rules, checked before anything is sent.
Status plan_stages(ApplyPlan& p) {
    const auto& o = p.options;
    if (!o.selector.empty()) {
        TRY_ASSIGN(p.selector, parse_selector(o.selector));
    }
    TRY_ASSIGN(p.plan, select_plan(p.full_plan, p.observed, p.selector));
    if (o.max_failures < 0) return Error(ErrorKind::Usage, "--max-failures must be 0 (no limit) or more");
    if (!o.canary.empty()) {
        TRY_ASSIGN(CanarySpec c, parse_canary(o.canary));
        p.canary = c;
        if (!c.is_percent && static_cast<size_t>(c.count) > p.plan.size()) {
            return Error(ErrorKind::Usage,
                         "--canary " + c.text + " is larger than the selection: " + std::to_string(p.plan.size()) +
                             " tenant(s)" + (p.selector.empty() ? "" : " match --selector " + p.selector.text) +
                             "; nothing was changed",
                         "give a smaller canary, or a percentage (e.g. --canary 10%)");
        }
    } else if (!o.continue_after.empty()) {
        return Error(ErrorKind::Usage, "--continue-after needs --canary", "e.g. --canary 10 --continue-after 5m");
    }
    if (!o.continue_after.empty()) {
        TRY_ASSIGN(p.continue_after, parse_duration(o.continue_after, "--continue-after"));
    }
    TRY_ASSIGN(p.max_error_rate, parse_rate(o.max_error_rate, "--max-error-rate"));
    for (const auto& item : p.plan) {
        switch (item.action) {
            case Action::Create:
                ++p.n_create;
                break;
            case Action::Update:
                ++p.n_update;
                break;
            case Action::Delete:
                ++p.n_delete;
                break;
            case Action::Unchanged:
                ++p.n_same;
                break;
        }
    }
    if (p.canary) p.canary_size = std::min(canary_size(*p.canary, p.work()), p.work());
    return {};
}

}  // namespace

Result<std::unique_ptr<ApplyPlan>> plan_apply(const ApplyCommandOptions& o, const Connect& connect) {
    if (o.file.empty()) return Error(ErrorKind::Usage, "no tenants file was given", "pass -f tenants.yaml");
    TRY_STATUS(check_concurrency(o.concurrency));
    auto p = std::make_unique<ApplyPlan>();
    p->options = o;
    const Env& env = o.env ? *o.env : Env::system();
    TRY_ASSIGN(p->file, load_tenants_file(o.file, o.cwd));
    TenantsFile& f = p->file;
    if (!o.ns.empty()) {
        if (f.prefix == f.ns) f.prefix = o.ns;  // the default prefix follows the namespace
        f.ns = o.ns;
    }
    TRY_ASSIGN(p->secrets, resolve_secrets(f, env));
    TRY_ASSIGN(std::string digest_key, resolve_digest_key(f, env));
    TRY_ASSIGN(p->source, source_for_file(f, env));
    TRY_ASSIGN(ApiHandle api, connect());
    std::set<Resource> kinds;
    for (const auto& t : f.tenants) kinds.insert(t.isolate.begin(), t.isolate.end());
    if (o.purge && o.prune) kinds = {Resource::Kv, Resource::R2, Resource::D1};
    TRY_ASSIGN(p->observed, observe(*api.client, api.account, f.ns, kinds));
    PlanOptions po;
    po.prune = o.prune;
    po.force = o.force;
    po.secret_values = &p->secrets;
    po.digest_key = digest_key;
    p->full_plan = make_plan(f, p->source, p->observed, po);
    TRY_STATUS(plan_stages(*p));
    if (!o.prune) p->unlisted = unlisted_managed(f, p->observed);
    return p;
}

namespace {

// Asks before deleting tenants (the first five named).
Status confirm_deletes(const ApplyPlan& p, const Confirm& confirm) {
    if (p.n_delete == 0) return {};
    std::vector<std::string> doomed;
    for (const auto& item : p.plan)
        if (item.action == Action::Delete && doomed.size() < 5) doomed.push_back(item.id);
    return confirm("delete " + std::to_string(p.n_delete) + " tenant(s) from dispatch namespace " + p.file.ns + " (" +
                   join(doomed, ", ") + (p.n_delete > doomed.size() ? ", …" : "") + ")" +
                   (p.options.purge ? " and their resources" : ""));
}

// The wait the API's rate limit will impose, when it is long enough to mention ("" otherwise).
std::string pacing_note(api::Pacer* pacer, size_t work, long long requests) {
    if (!pacer || work == 0) return {};
    auto est = pacer->estimate(requests);
    if (est <= std::chrono::seconds(30)) return {};
    auto snap = pacer->snapshot();
    std::string limit = snap.informed ? "the API's rate limit (" + std::to_string(snap.quota) + " requests per " +
                                            std::to_string(snap.window_s) + " s)"
                                      : "the documented rate limit (the API sent no rate-limit headers)";
    return "note: " + limit + " paces these " + std::to_string(work) + " change(s): about " + duration_text(est) +
           " of waiting";
}

void count_results(ApplyReport& rep) {
    for (const auto& r : rep.results) {
        if (r.status == ItemResult::Status::Failed)
            ++rep.failed;
        else if (r.status == ItemResult::Status::Skipped)
            ++rep.skipped;
        else if (r.action == Action::Create)
            ++rep.created;
        else if (r.action == Action::Update)
            ++rep.updated;
        else if (r.action == Action::Delete)
            ++rep.deleted;
        else
            ++rep.unchanged;
        if (r.status == ItemResult::Status::Ok && r.action != Action::Unchanged) rep.changed.push_back(r.id);
    }
}

}  // namespace

Result<ApplyReport> run_apply(ApplyPlan& p, const ApplyRunOptions& o, const Connect& connect) {
    TRY_STATUS(confirm_deletes(p, o.confirm));
    TRY_ASSIGN(ApiHandle api, connect());
    const auto& opt = p.options;
    const size_t work = p.work();
    // Each tenant change is about one write request, plus two reads to record an update or delete.
    const long long requests = static_cast<long long>(work + (opt.no_record ? 0 : 2 * (p.n_update + p.n_delete)));
    const double per_change = work ? static_cast<double>(requests) / static_cast<double>(work) : 1.0;
    api::Pacer* pacer = api.client->pacer();
    if (auto note = pacing_note(pacer, work, requests); !note.empty() && o.progress) o.progress->note(note);
    std::unique_ptr<ApplyRecorder> recorder;
    if (work > 0 && !opt.no_record) {
        TRY_ASSIGN(recorder, ApplyRecorder::start(o.records_dir, api.account, p.file.ns, p.file.display_path,
                                                  SystemClock::instance()));
    }
    PacedProgress progress(work > 0 ? o.progress : nullptr, pacer, per_change);
    progress.start(work);
    RolloutOptions ro;
    ro.apply.concurrency = opt.concurrency;
    ro.apply.cancel = o.cancel;
    ro.apply.purge = opt.purge;
    ro.apply.on_done = [&](const ItemResult& r, size_t done, size_t total) {
        bool ok = r.status == ItemResult::Status::Ok;
        std::string verb = r.action == Action::Create ? "created" : r.action == Action::Update ? "updated" : "deleted";
        progress.advance(
            {ok ? verb + " " + r.id : "failed to " + std::string(to_string(r.action)) + " " + r.id + ": " + r.error, ok,
             done, total});
    };
    ro.max_failures = opt.max_failures;
    ro.canary = p.canary_size;
    ro.continue_after = p.continue_after;
    ro.max_error_rate = p.max_error_rate;
    ro.read_traffic = analytics_traffic_reader(*api.client, api.account, p.file.ns);
    ro.recorder = recorder.get();
    ro.on_watch = [&](std::chrono::milliseconds wait, size_t n, size_t failed) {
        progress.note("canary: " + std::to_string(n) + " tenant(s) changed, " + std::to_string(failed) +
                      " failed; watching for " + duration_text(wait) + " before going on");
    };
    auto out = rollout(*api.client, api.account, p.file, p.source, p.observed, p.plan, p.secrets, ro);
    progress.finish();
    ApplyReport rep;
    rep.results = std::move(out.results);
    rep.stop = out.stop;
    rep.canary_size = out.canary_size;
    rep.canary_failed = out.canary_failed;
    rep.verdict = out.verdict;
    if (recorder) {
        rep.apply_id = recorder->id();
        if (auto st = recorder->finish(); !st.ok()) rep.record_error = st.error().message;
    }
    rep.interrupted = o.cancel && o.cancel->cancelled();
    count_results(rep);
    return rep;
}

// ---- rollback --------------------------------------------------------------------------------------------

size_t changed_count(const json& record) {
    size_t n = 0;
    for (const auto& it : record.value("items", json::array()))
        if (json_string(it, "status") == "ok") ++n;
    return n;
}

Result<AppliesReport> list_applies(const RollbackOptions& o, const Connect& connect) {
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    TRY_STATUS(check_concurrency(o.bulk.concurrency));
    TRY_ASSIGN(ApiHandle api, connect());
    AppliesReport rep;
    rep.ns = f.ns;
    TRY_ASSIGN(rep.records, list_apply_records(o.records_dir, api.account, f.ns));
    return rep;
}

Result<RollbackReport> rollback_apply(const RollbackOptions& o, const Connect& connect) {
    TRY_ASSIGN(AppliesReport applies, list_applies(o, connect));
    const std::string& ns = applies.ns;
    const ApplyRecordInfo* pick = nullptr;
    for (const auto& r : applies.records) {
        if (!o.to.empty() ? r.id == o.to
                          : json_string(r.record, "rolled_back_at").empty() && changed_count(r.record) > 0) {
            pick = &r;
            break;
        }
    }
    if (!pick) {
        return Error(ErrorKind::NotFound,
                     o.to.empty() ? "no apply of dispatch namespace " + ns + " is left to roll back (records in " +
                                        o.records_dir + ")"
                                  : "apply " + quoted(o.to) + " of dispatch namespace " + ns + " is not recorded",
                     "list the recorded applies with `tenants rollback --namespace " + ns + " --list`");
    }
    size_t restore = 0, remove = 0;
    for (const auto& it : pick->record.value("items", json::array())) {
        if (json_string(it, "status") != "ok") continue;
        if (json_string(it, "action") == "create")
            ++remove;
        else if (it.contains("prior"))
            ++restore;
    }
    TRY_STATUS(o.confirm("roll back apply " + pick->id + " of dispatch namespace " + ns +
                         ": restore the previous upload of " + std::to_string(restore) + " tenant(s), delete " +
                         std::to_string(remove) + " tenant(s) it created"));
    TRY_ASSIGN(ApiHandle api, connect());
    PacedProgress progress(o.bulk.progress, api.client->pacer());
    progress.start(restore + remove);
    ApplyOptions ao;
    ao.concurrency = o.bulk.concurrency;
    ao.cancel = o.bulk.cancel;
    ao.on_done = [&](const ItemResult& r, size_t done, size_t total) {
        bool ok = r.status == ItemResult::Status::Ok;
        progress.advance({ok ? (r.action == Action::Delete ? "deleted " : "restored ") + r.id
                             : "failed to roll back " + r.id + ": " + r.error,
                          ok, done, total});
    };
    auto rb = rollback(*api.client, api.account, *pick, ao, SystemClock::instance());
    progress.finish();
    if (!rb.ok()) return std::move(rb).error();
    RollbackReport rep;
    rep.ns = ns;
    rep.apply_id = pick->id;
    rep.items = std::move(rb->items);
    for (const auto& it : rep.items) (it.ok ? rep.ok : rep.failed)++;
    rep.expected = restore + remove;
    rep.interrupted = o.bulk.cancel && o.bulk.cancel->cancelled();
    return rep;
}

}  // namespace tenantctl::tenants
