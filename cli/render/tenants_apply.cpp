// The apply and rollback reports.
#include "core/json.hpp"
#include "core/strings.hpp"
#include "output/render.hpp"
#include "render/tenants.hpp"

namespace tenantctl::cli {

using nlohmann::json;
namespace tn = tenantctl::tenants;

namespace {

std::string plan_line(const tn::PlanItem& p) {
    const char* mark = p.action == tn::Action::Create   ? "+"
                       : p.action == tn::Action::Update ? "~"
                       : p.action == tn::Action::Delete ? "-"
                                                        : "=";
    std::string line = std::string("  ") + mark + " " + tn::to_string(p.action) + " " + p.id;
    if (!p.changes.empty()) line += " (" + join(p.changes, ", ") + ")";
    return line;
}

// The fields of every apply document: the namespace, the file and the plan.
json apply_head(const tn::ApplyPlan& p, bool dry_run) {
    json plan = json::array();
    for (const auto& item : p.plan)
        plan.push_back({{"id", item.id}, {"action", tn::to_string(item.action)}, {"changes", item.changes}});
    json doc = {{"namespace", p.file.ns}, {"file", p.file.display_path}, {"dry_run", dry_run}, {"plan", plan}};
    if (!p.selector.empty()) doc["selector"] = p.selector.text;
    if (p.canary) doc["canary"] = p.canary_size;
    return doc;
}

json verdict_json(const tn::CanaryVerdict& v) {
    json traffic = nullptr;
    if (v.traffic_read)
        traffic = {{"requests", v.traffic.requests}, {"errors", v.traffic.errors}, {"error_rate", v.request_rate}};
    json j = {{"pass", v.pass},
              {"uploads", v.uploads},
              {"upload_failures", v.upload_failures},
              {"upload_failure_rate", v.upload_rate},
              {"traffic", traffic},
              {"no_traffic", v.traffic_read && v.traffic.requests == 0},
              {"reason", v.reason}};
    if (!v.read_error.empty()) j["read_error"] = v.read_error;
    return j;
}

// Why apply did not finish cleanly (nullopt when it did).
std::optional<Error> apply_error(const tn::ApplyPlan& p, const tn::ApplyReport& r) {
    const std::string skipped = std::to_string(r.skipped) + " not started";
    if (r.stop == tn::RolloutStop::CanaryFailed)
        return Error(ErrorKind::Partial,
                     "the canary batch failed: " + (r.verdict ? r.verdict->reason : std::string()) + "; " + skipped,
                     "fix the cause, then rerun `tenants apply` (or `tenants rollback`)");
    if (r.stop == tn::RolloutStop::MaxFailures)
        return Error(ErrorKind::Partial,
                     "stopped after " + std::to_string(r.failed) + " failure(s) (--max-failures " +
                         std::to_string(p.options.max_failures) + "); " + skipped,
                     "the results above say why; a rerun continues with what is still different");
    if (r.interrupted)
        return Error(
            ErrorKind::Interrupted,
            "interrupted: " + std::to_string(r.created + r.updated + r.deleted) + " change(s) done, " + skipped,
            "run the same command again; it converges to the file");
    if (r.stop == tn::RolloutStop::Canary && r.failed == 0) return std::nullopt;
    if (r.failed || r.skipped)
        return Error(ErrorKind::Partial,
                     std::to_string(r.failed) + " of " + std::to_string(p.work()) + " tenant change(s) failed",
                     "the results above say why; rerun `tenants apply` to retry only what is still different");
    return std::nullopt;
}

}  // namespace

std::string render_apply_plan(const tn::ApplyPlan& p, int verbosity) {
    std::string text = "Plan for dispatch namespace " + p.file.ns + " (" + p.source.description +
                       "): " + std::to_string(p.n_create) + " to create, " + std::to_string(p.n_update) +
                       " to update, " + std::to_string(p.n_delete) + " to delete, " + std::to_string(p.n_same) +
                       " unchanged";
    if (!p.selector.empty())
        text += " (--selector " + p.selector.text + ": " + std::to_string(p.plan.size()) + " of " +
                std::to_string(p.full_plan.size()) + " tenants)";
    text += "\n";
    for (const auto& item : p.plan)
        if (item.action != tn::Action::Unchanged || verbosity > 0 || p.plan.size() <= 50)
            text += plan_line(item) + "\n";
    return text;
}

std::string apply_unlisted_note(const tn::ApplyPlan& p) {
    const auto& u = p.unlisted;
    if (u.empty()) return {};
    std::vector<std::string> some(u.begin(), u.begin() + static_cast<long>(std::min<size_t>(u.size(), 5)));
    return std::to_string(u.size()) + " managed tenant(s) are not in " + p.file.display_path + " (" + join(some, ", ") +
           (u.size() > 5 ? ", …" : "") + "); --prune deletes them";
}

Rendered render_apply_dry_run(const tn::ApplyPlan& p, int verbosity) {
    Rendered out;
    out.doc = apply_head(p, true);
    out.doc["ok"] = true;
    out.doc["created"] = 0;
    out.doc["updated"] = 0;
    out.doc["deleted"] = 0;
    out.doc["unchanged"] = p.n_same;
    out.doc["failed"] = 0;
    out.doc["would"] = {
        {"create", p.n_create}, {"update", p.n_update}, {"delete", p.n_delete}, {"unchanged", p.n_same}};
    out.human = render_apply_plan(p, verbosity) + "Dry run: nothing was changed\n";
    return out;
}

Rendered render_apply(const tn::ApplyPlan& p, const tn::ApplyReport& r) {
    json doc = apply_head(p, false);
    json res = json::array();
    for (const auto& it : r.results) {
        json j = {{"id", it.id},
                  {"action", tn::to_string(it.action)},
                  {"status", tn::to_string(it.status)},
                  {"writes", it.writes}};
        if (!it.error.empty()) j["error"] = it.error;
        if (it.interrupted) j["interrupted"] = true;
        if (!it.created_resources.empty()) j["created_resources"] = it.created_resources;
        res.push_back(j);
    }
    doc["changed"] = r.changed;
    doc["stopped"] = tn::to_string(r.stop);
    if (p.canary) doc["canary_failed"] = r.canary_failed;
    if (r.verdict) doc["canary_verdict"] = verdict_json(*r.verdict);
    if (!r.apply_id.empty()) doc["apply_id"] = r.apply_id;
    doc["results"] = res;
    doc["created"] = r.created;
    doc["updated"] = r.updated;
    doc["deleted"] = r.deleted;
    doc["unchanged"] = r.unchanged;
    doc["failed"] = r.failed;
    doc["skipped"] = r.skipped;
    doc["interrupted"] = r.interrupted;
    doc["ok"] = r.failed == 0 && !r.interrupted && (r.skipped == 0 || r.stop == tn::RolloutStop::Canary);
    std::string human = "Applied: " + std::to_string(r.created) + " created, " + std::to_string(r.updated) +
                        " updated, " + std::to_string(r.deleted) + " deleted, " + std::to_string(r.unchanged) +
                        " unchanged, " + std::to_string(r.failed) + " failed" +
                        (r.skipped ? ", " + std::to_string(r.skipped) + " not started" : "") + "\n";
    if (!r.changed.empty()) {
        std::vector<std::string> ids(r.changed.begin(),
                                     r.changed.begin() + static_cast<long>(std::min<size_t>(r.changed.size(), 100)));
        human += "Changed: " + join(ids, ", ") + (r.changed.size() > ids.size() ? ", … (all with --json)" : "") + "\n";
    }
    if (!r.apply_id.empty() && !r.changed.empty())
        human += "Apply " + r.apply_id + " recorded; undo it with: tenantctl tenants rollback --namespace " +
                 p.file.ns + " --to " + r.apply_id + "\n";
    auto error = apply_error(p, r);
    Rendered out;
    if (error) {
        out = failed_doc(doc, human, *error);
    } else {
        out.doc = doc;
        out.human = human;
    }
    if (!r.record_error.empty()) out.warnings.push_back("the apply record was not written: " + r.record_error);
    if (r.verdict && r.verdict->pass) out.notes.push_back("canary: " + r.verdict->reason + "; went on");
    if (r.stop == tn::RolloutStop::Canary && !r.interrupted && r.failed == 0)
        out.notes.push_back("canary: stopped after " + std::to_string(r.canary_size) + " tenant(s) as asked; " +
                            std::to_string(r.skipped) +
                            " not started (rerun to go on: the changed ones are unchanged now; --continue-after "
                            "DURATION goes on by itself)");
    return out;
}

Rendered render_applies(const tn::AppliesReport& r) {
    Rendered out;
    out.doc = json::array();
    output::Table t{{"apply", "created", "changed", "rolled back"}, {}};
    for (const auto& rec : r.records) {
        std::string rb = json_string(rec.record, "rolled_back_at");
        std::string created = json_string(rec.record, "created_at");
        size_t n = tn::changed_count(rec.record);
        out.doc.push_back({{"id", rec.id}, {"created_at", created}, {"changed", n}, {"rolled_back_at", rb}});
        t.rows.push_back({rec.id, created, std::to_string(n), rb.empty() ? "-" : rb});
    }
    out.human = r.records.empty() ? "No apply records for dispatch namespace " + r.ns + "\n" : output::render_table(t);
    return out;
}

Rendered render_rollback(const tn::RollbackReport& r) {
    json items = json::array();
    std::vector<std::string> ids;
    for (const auto& it : r.items) {
        json j = {{"id", it.id}, {"action", it.action}, {"ok", it.ok}};
        if (!it.error.empty()) j["error"] = it.error;
        items.push_back(j);
        if (it.ok) ids.push_back(it.id);
    }
    json doc = {{"namespace", r.ns}, {"apply_id", r.apply_id}, {"items", items}, {"ok", true}};
    std::string human = "Rolled back apply " + r.apply_id + ": " + std::to_string(r.ok) +
                        " tenant(s) restored or removed" +
                        (r.failed ? ", " + std::to_string(r.failed) + " failed" : "") + "\n";
    if (!ids.empty()) human += "Changed: " + join(ids, ", ") + "\n";
    if (r.interrupted)
        return failed_doc(doc, human,
                          Error(ErrorKind::Interrupted,
                                "interrupted: " + std::to_string(r.ok) + " tenant(s) rolled back, " +
                                    std::to_string(r.expected - std::min(r.expected, r.ok + r.failed)) + " not started",
                                "rerun the same command"));
    if (r.failed || r.ok + r.failed < r.expected)
        return failed_doc(doc, human,
                          Error(ErrorKind::Partial, std::to_string(r.failed) + " tenant(s) could not be rolled back",
                                "rerun the same command"));
    Rendered out;
    out.doc = doc;
    out.human = human;
    return out;
}

}  // namespace tenantctl::cli
