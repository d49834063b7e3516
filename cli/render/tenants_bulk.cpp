// The bulk reports: secret put --tag, restart, delete, d1 migrate.
#include "core/strings.hpp"
#include "render/tenants.hpp"

namespace tenantctl::cli {

using nlohmann::json;

namespace {

std::string counted(size_t n, const std::string& what) {
    return n ? ", " + std::to_string(n) + " " + what : std::string();
}

// Partly failed or interrupted bulk work: the document keeps its fields and gets the error.
Rendered finish_bulk(json doc, std::string human, size_t total, size_t failed, size_t skipped, bool interrupted,
                     const std::string& what, const std::string& hint) {
    if (interrupted) {
        return failed_doc(
            std::move(doc), std::move(human),
            Error(ErrorKind::Interrupted,
                  "interrupted: " + std::to_string(total - failed - skipped) + " of " + std::to_string(total) + " " +
                      what + " done, " + std::to_string(skipped) + " not started",
                  "run the same command again"));
    }
    if (failed || skipped) {
        return failed_doc(std::move(doc), std::move(human),
                          Error(ErrorKind::Partial,
                                std::to_string(failed) + " of " + std::to_string(total) + " " + what + " failed" +
                                    counted(skipped, "not started"),
                                hint));
    }
    Rendered r;
    r.doc = std::move(doc);
    r.human = std::move(human);
    return r;
}

}  // namespace

Rendered render_bulk(json head, const tenants::BulkReport& r) {
    json res = json::array();
    for (const auto& it : r.items) {
        json j = {{"id", it.id}, {"status", !it.started ? "skipped" : it.ok ? "ok" : "failed"}};
        if (!it.detail.empty()) j["detail"] = it.detail;
        if (!it.error.empty()) j["error"] = it.error;
        res.push_back(j);
    }
    head["results"] = res;
    head["ok"] = true;
    head["done"] = r.done;
    head["failed"] = r.failed;
    head["skipped"] = r.skipped;
    std::string human = std::to_string(r.done) + " of " + std::to_string(r.items.size()) + " tenant(s) " + r.verb +
                        counted(r.failed, "failed") + counted(r.skipped, "not started") + "\n";
    return finish_bulk(std::move(head), human, r.items.size(), r.failed, r.skipped, r.interrupted, "tenant(s)",
                       "the lines above say why; run the same command again to retry");
}

Rendered render_restart(const tenants::RestartReport& r) {
    if (r.bulk) return render_bulk({{"namespace", r.ns}, {"tags", r.tags}, {"application", r.application}}, *r.bulk);
    Rendered out;
    out.doc = {{"id", r.id},
               {"application", r.application},
               {"application_id", r.application_id},
               {"ok", true},
               {"restarted", r.restarted}};
    if (!r.restarted) {
        out.human = "Tenant " + r.id + " has no instance in application " + r.application +
                    ": nothing to restart (one starts on its next request)\n";
        return out;
    }
    out.doc["instance_id"] = r.instance_id;
    out.human = "Restarted tenant " + r.id + ": stopped instance " + r.instance_id + " of application " +
                r.application + " (a fresh one starts on the next request)\n";
    return out;
}

std::string render_purge_plan(const tenants::DeleteReport& r) {
    std::string text = "Plan for dispatch namespace " + r.ns + ": delete " + std::to_string(r.plan.size()) +
                       " tenant(s) tagged " + join(r.tags, " and ") + " and " + std::to_string(r.plan_resources) +
                       " isolated resource(s)\n";
    for (const auto& p : r.plan)
        text += "  - delete " + p.id + (p.resources.empty() ? "" : " and " + join(p.resources, ", ")) + "\n";
    return text;
}

Rendered render_delete(const tenants::DeleteReport& r) {
    if (r.bulk) {
        json plan = json::array();
        for (const auto& p : r.plan) plan.push_back({{"id", p.id}, {"resources", p.resources}});
        return render_bulk({{"namespace", r.ns}, {"tags", r.tags}, {"plan", plan}}, *r.bulk);
    }
    Rendered out;
    out.doc = {{"namespace", r.ns}, {"ok", true}};
    if (!r.tags.empty()) {
        out.doc["tags"] = r.tags;
        out.doc["deleted"] = r.deleted;
        out.doc["deleted_count"] = r.deleted.size();
        out.human = "Deleted " + std::to_string(r.deleted.size()) + " tenant(s) tagged " + join(r.tags, ",") + "\n";
        return out;
    }
    out.doc["id"] = r.id;
    out.doc["deleted"] = true;
    out.human = "Deleted tenant " + r.id + " from dispatch namespace " + r.ns;
    if (r.purge) {
        out.doc["purged"] = r.purged;
        out.human +=
            r.purged.empty() ? "; it had no resources named " + r.resource_name : "; purged " + join(r.purged, ", ");
    }
    out.human += "\n";
    return out;
}

Rendered render_d1_migrate(const tenants::D1MigrateCommandReport& r) {
    const auto& rep = r.report;
    json res = json::array();
    std::vector<std::string> failed_lines;
    for (const auto& it : rep.items) {
        json j = {{"id", it.id},
                  {"database", it.database},
                  {"status", tenants::to_string(it.status)},
                  {"applied", it.applied},
                  {"already_applied", it.already}};
        if (!it.failed_at.empty()) j["failed_at"] = it.failed_at;
        if (!it.error.empty()) j["error"] = it.error;
        res.push_back(j);
        if (it.status == tenants::ItemResult::Status::Failed) failed_lines.push_back("  " + it.id + ": " + it.error);
    }
    std::string summary = std::to_string(r.done) + " of " + std::to_string(rep.items.size()) +
                          " tenant database(s) migrated" + counted(r.failed, "failed") +
                          counted(r.skipped, "not started");
    if (rep.file_error && !r.interrupted) {  // the command's error: the file does not parse
        Error e = *rep.file_error;
        e.hint = "the file does not parse, so no database applied it (nor later files); fix it and run again";
        Rendered out = failed_doc(json::object(), "", e);
        out.notes.push_back(summary);
        return out;
    }
    json doc{{"namespace", r.ns}, {"migrations", rep.migrations}, {"results", res},      {"ok", true},
             {"done", r.done},    {"failed", r.failed},           {"skipped", r.skipped}};
    Rendered out =
        finish_bulk(doc, summary + "\n", rep.items.size(), r.failed, r.skipped, r.interrupted, "tenant database(s)",
                    "fix what failed and run the same command again: applied migrations are not applied "
                    "twice");
    if (out.error && out.error->kind == ErrorKind::Partial) out.details = failed_lines;
    return out;
}

}  // namespace tenantctl::cli
