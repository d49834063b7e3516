#include "platform/api_internal.hpp"

#include <set>

#include "core/sha256.hpp"

namespace tenantctl::platform::v4 {

// Versions and deployments of account scripts (an upload creates both, like the real API).
json make_version(Ctx& c, const std::string& script, json& doc, const std::string& blob, const json& metadata,
                  const std::string& source) {
    int n = doc.value("version_count", 0) + 1;
    doc["version_count"] = n;
    std::string now = now_iso();
    json annotations = metadata.value("annotations", json::object());
    json v{{"id", uuid_v4()},
           {"number", n},
           {"metadata",
            {{"author_email", c.creds.email},
             {"author_id", c.creds.account_id},
             {"created_on", now},
             {"modified_on", now},
             {"source", source},
             {"hasPreview", false}}},
           {"annotations", annotations},
           {"resources",
            {{"bindings", doc["settings"].value("bindings", json::array())},
             {"script", {{"etag", sha256_of(c, blob)}, {"handlers", handlers_of(c)}, {"last_deployed_from", source}}},
             {"script_runtime",
              {{"compatibility_date", doc["settings"].value("compatibility_date", std::string())},
               {"compatibility_flags", doc["settings"].value("compatibility_flags", json::array())},
               {"usage_model", doc["settings"].value("usage_model", std::string("standard"))},
               {"limits", doc["settings"].value("limits", json::object())}}}}},
           {"startup_time_ms", c.pre.startup_time_ms}};
    c.store.put(K_VER, std::string(K_WS) + "/" + script, v["id"].get<std::string>(), v, blob);
    return v;
}

// What a deployment of a version makes the script run (kinds.hpp: `_deploy`; not part of the version's views).
void record_version_content(Ctx& c, const std::string& script, const std::string& id, const Upload& up,
                            const json& settings) {
    auto stored = c.store.get(K_VER, std::string(K_WS) + "/" + script, id);
    if (!stored) return;
    json vd = stored->doc;
    vd["_deploy"] = {
        {"main", up.main}, {"modules", module_list(up)}, {"has_modules", up.has_modules}, {"settings", settings}};
    c.store.put(K_VER, std::string(K_WS) + "/" + script, stored->name, vd, stored->blob);
}

json make_deployment(Ctx& c, const std::string& script, json versions, json annotations, const std::string& source) {
    json d{{"id", uuid_v4()},          {"created_on", now_iso()}, {"source", source},
           {"strategy", "percentage"}, {"versions", versions},    {"author_email", c.creds.email}};
    if (annotations.is_object() && !annotations.empty()) d["annotations"] = annotations;
    c.store.put(K_DEP, std::string(K_WS) + "/" + script, d["id"].get<std::string>(), d);
    return d;
}

// --- versions and deployments (account scripts) ------------------------------------------------------

HttpResponse versions_list(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    auto all = c.store.list(K_VER, std::string(K_WS) + "/" + s.script);
    std::reverse(all.begin(), all.end());  // newest first
    int64_t page, per_page;
    if (auto e = paging(c, page, per_page, 10, 1, 100)) return *e;
    json items = json::array();
    int64_t start = page_start(page, per_page, all.size());
    for (int64_t i = start; i < static_cast<int64_t>(all.size()) && i < start + per_page; ++i) {
        json v = all[i].doc;
        v.erase("resources");
        v.erase("startup_time_ms");
        v.erase("_deploy");
        items.push_back(v);
    }
    int64_t n = static_cast<int64_t>(items.size());
    return ok_info({{"items", items}}, page_info(page, per_page, n, static_cast<int64_t>(all.size())));
}

HttpResponse version_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    auto v = c.store.get(K_VER, std::string(K_WS) + "/" + s.script, c.p["version"]);
    if (!v)
        return err(404, 10089, "version " + quoted(c.p["version"]) + " of script " + quoted(s.script) + " not found");
    json out = v->doc;
    out.erase("_deploy");
    if (out.contains("resources") && out["resources"].contains("bindings"))
        out["resources"]["bindings"] = scrub_bindings(out["resources"]["bindings"]);
    return ok(out);
}

HttpResponse version_upload(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    Upload up;
    if (auto e = take_upload(c, up)) return *e;
    if (auto e = check_service_bindings(c, up.metadata, s)) return *e;
    json messages = json::array();
    if (auto e = provision_bindings(c, up.metadata, s.script, messages)) return *e;
    json doc = o->doc;
    json meta = up.metadata;
    json version_doc = doc;  // the version's own settings come from its metadata
    if (meta.contains("bindings")) version_doc["settings"]["bindings"] = scrub_bindings(meta["bindings"]);
    for (const char* k : {"compatibility_date", "compatibility_flags", "usage_model", "limits"})
        if (meta.contains(k)) version_doc["settings"][k] = meta[k];
    version_doc["version_count"] = doc.value("version_count", 0);
    json v = make_version(c, s.script, version_doc, modules_blob(c, up), meta, deployed_from(c));
    record_version_content(c, s.script, v["id"].get<std::string>(), up, version_doc["settings"]);
    doc["version_count"] = version_doc["version_count"];
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    json r = v;
    r["resources"]["bindings"] = json::array();
    for (auto& b : v["resources"]["bindings"])
        if (b.is_object()) {
            json bb = b;
            bb.erase("text");
            r["resources"]["bindings"].push_back(bb);
        }
    return ok_messages(std::move(r), std::move(messages));
}

HttpResponse deployments_list(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    auto all = c.store.list(K_DEP, std::string(K_WS) + "/" + s.script);
    std::reverse(all.begin(), all.end());
    json arr = json::array();
    for (auto& d : all) arr.push_back(d.doc);
    return ok({{"deployments", arr}});
}

HttpResponse deployment_create(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (b.value("strategy", std::string()) != "percentage") return err(400, 10004, "strategy must be \"percentage\"");
    if (!b.contains("versions") || !b["versions"].is_array() || b["versions"].empty())
        return err(400, 10004, "versions must be a non-empty array of {version_id, percentage}");
    if (b["versions"].size() > 2)
        return err(
            400, 10004,
            "a deployment splits requests between at most 2 versions, got " + std::to_string(b["versions"].size()));
    if (b.contains("annotations") && b["annotations"].is_object() && b["annotations"].contains("workers/message") &&
        (!b["annotations"]["workers/message"].is_string() ||
         b["annotations"]["workers/message"].get<std::string>().size() > 50))
        return err(400, 10004, "annotations.workers/message must be a string of at most 50 characters");
    double total = 0;
    std::set<std::string> seen;
    for (auto& v : b["versions"]) {
        if (!v.is_object() || !v.contains("version_id") || !v["version_id"].is_string() || !v.contains("percentage") ||
            !v["percentage"].is_number())
            return err(400, 10004, "each version needs a string version_id and a number percentage");
        if (v["percentage"].get<double>() < 0.01 || v["percentage"].get<double>() > 100)
            return err(400, 10004,
                       "version " + quoted(v["version_id"].get<std::string>()) +
                           ": percentage must be between 0.01 and 100, got " + v["percentage"].dump());
        if (!seen.insert(v["version_id"].get<std::string>()).second)
            return err(400, 10004, "version " + quoted(v["version_id"].get<std::string>()) + " is listed twice");
        if (!c.store.get(K_VER, std::string(K_WS) + "/" + s.script, v["version_id"].get<std::string>()))
            return err(404, 10089, "version " + quoted(v["version_id"].get<std::string>()) + " not found");
        total += v["percentage"].get<double>();
    }
    if (total < 99.999 || total > 100.001) return err(400, 10004, "version percentages must add up to 100");
    json d = make_deployment(c, s.script, b["versions"], b.value("annotations", json::object()), "api");
    // The script runs the version with the largest share; `tenantctl dev` runs the other one beside it and
    // splits the requests (lib/runtime/model.cpp).
    const json& best = b["versions"][deployment_primary(b["versions"])];
    auto ver = c.store.get(K_VER, std::string(K_WS) + "/" + s.script, best["version_id"].get<std::string>());
    if (ver && !ver->blob.empty()) {
        json doc = script_doc_for_version(o->doc, ver->doc);
        doc["script"]["etag"] = sha256_hex(ver->blob);
        doc["script"]["modified_on"] = now_iso();
        c.store.put(s.kind, s.parent, s.script, doc, ver->blob);
    }
    return ok(d);
}

}  // namespace tenantctl::platform::v4
