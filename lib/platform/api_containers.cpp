#include "platform/api_internal.hpp"

#include <set>

#include "core/redact.hpp"

namespace tenantctl::platform::v4 {

namespace {

// --- Containers ------------------------------------------------------------------------------------

std::optional<StoredObject> find_app(Ctx& c) {
    return c.store.get(K_APP, account_of(c), c.p["app"]);
}
HttpResponse app_not_found(Ctx& c) {
    return err(404, 1000, "application " + quoted(c.p["app"]) + " not found");
}

// Page-token pagination over a vector: the token is the decimal offset, base64-encoded.
HttpResponse page_token_list(Ctx& c, const std::vector<json>& all, int64_t def_per_page) {
    int64_t per_page = def_per_page;
    if (auto s = qget(c.q, "per_page"); !s.empty()) {
        auto v = to_int(s);
        if (!v || *v < 1 || *v > 1000) return err(400, 1002, "per_page must be between 1 and 1000, got " + quoted(s));
        per_page = *v;
    }
    int64_t offset = 0;
    std::string token = qget(c.q, "page_token");
    if (!token.empty()) {
        auto v = to_int(decode_cursor(token));
        if (!v || *v < 0) return err(400, 1002, "page_token " + quoted(token) + " is not valid");
        offset = *v;
    }
    json arr = json::array();
    for (int64_t i = offset; i < static_cast<int64_t>(all.size()) && i < offset + per_page; ++i) arr.push_back(all[i]);
    json info{{"per_page", per_page}};
    if (!token.empty()) info["page_token"] = token;
    if (offset + per_page < static_cast<int64_t>(all.size()))
        info["next_page_token"] = encode_cursor(std::to_string(offset + per_page));
    return ok_info(arr, info);
}

std::optional<HttpResponse> check_configuration(const json& cfg, bool need_image) {
    if (!cfg.is_object()) return err(400, 1002, "configuration must be an object");
    if (need_image && (!cfg.contains("image") || !cfg["image"].is_string() || cfg["image"].get<std::string>().empty()))
        return err(400, 1002, "configuration.image must be a non-empty string");
    if (cfg.contains("image") && !cfg["image"].is_string())
        return err(400, 1002, "configuration.image must be a string");
    if (cfg.contains("instance_type")) {
        static const std::set<std::string> types{"lite",       "basic",      "standard-1", "standard-2",
                                                 "standard-3", "standard-4", "dev",        "standard"};
        if (!cfg["instance_type"].is_string() || !types.count(cfg["instance_type"].get<std::string>()))
            return err(400, 1002, "configuration.instance_type is not a known instance type");
    }
    return std::nullopt;
}

HttpResponse apps_list_impl(Ctx& c) {
    std::vector<json> all;
    std::string name = qget(c.q, "name"), image = qget(c.q, "image"), label = qget(c.q, "label");
    for (auto& o : c.store.list(K_APP, account_of(c))) {
        const json& a = o.doc;
        if (!name.empty() && a.value("name", std::string()) != name) continue;
        if (!image.empty() && a["configuration"].value("image", std::string()) != image) continue;
        if (!label.empty()) {
            bool found = false;
            for (auto& l : a["configuration"].value("labels", json::array()))
                if (l.is_object() && (l.value("name", std::string()) == label ||
                                      l.value("name", std::string()) + "=" + l.value("value", std::string()) == label))
                    found = true;
            if (!found) continue;
        }
        all.push_back(a);
    }
    return page_token_list(c, all, 100);
}

}  // namespace

HttpResponse apps_list(Ctx& c) {
    return apps_list_impl(c);
}

// GET containers/dash/applications (what `wrangler containers list` reads): the applications with their
// instances' health counted from the container runtime (asked once the store is no longer locked).
HttpResponse dash_apps_list(Ctx& c) {
    std::vector<json> apps;
    for (auto& o : c.store.list(K_APP, account_of(c))) apps.push_back(std::move(o.doc));
    return outside_store(c, [&c, apps = std::move(apps)] {
        std::vector<json> all;
        for (json a : apps) {
            int64_t active = 0, healthy = 0, failed = 0, starting = 0, stopped = 0;
            for (auto& i : c.runtime.list_instances(a)) {
                std::string st = i.contains("status") ? i["status"].value("state", std::string()) : std::string();
                if (st == "running")
                    ++active, ++healthy;
                else if (st == "provisioning")
                    ++starting;
                else if (st == "failed" || st == "unhealthy")
                    ++failed;
                else
                    ++stopped;
            }
            a["health"] = {{"instances",
                            {{"active", active},
                             {"healthy", healthy},
                             {"failed", failed},
                             {"starting", starting},
                             {"scheduling", 0},
                             {"stopped", stopped}}}};
            all.push_back(a);
        }
        return page_token_list(c, all, 100);
    });
}

HttpResponse app_create(Ctx& c) {
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("name") || !b["name"].is_string() || b["name"].get<std::string>().empty())
        return err(400, 1002, "field name must be a non-empty string");
    std::string name = b["name"].get<std::string>();
    std::string policy = b.value("scheduling_policy", std::string("default"));
    if (!b.contains("scheduling_policy") || b["scheduling_policy"].is_string())
        ;
    else
        return err(400, 1002, "scheduling_policy must be a string");
    bool is_do = policy == "durable_object" || b.contains("durable_objects");
    if (!b.contains("configuration")) return err(400, 1002, "field configuration is required");
    if (auto e = check_configuration(b["configuration"], true)) return *e;
    if (!is_do &&
        (!b.contains("instances") || !b["instances"].is_number_integer() || b["instances"].get<int64_t>() < 0))
        return err(400, 1002, "field instances must be a non-negative integer");
    for (auto& o : c.store.list(K_APP, account_of(c)))
        if (o.doc.value("name", std::string()) == name)
            return err(409, 1001, "an application named " + quoted(name) + " already exists");
    std::string now = now_iso();
    json a = b;
    a["id"] = random_hex(16);
    a["account_id"] = c.creds.account_id;
    a["scheduling_policy"] = policy;
    a["created_at"] = now;
    a["updated_at"] = now;
    a["version"] = 1;
    if (!a.contains("instances")) a["instances"] = 0;
    if (!a.contains("constraints")) a["constraints"] = json::object();
    c.store.put(K_APP, account_of(c), a["id"].get<std::string>(), a);
    c.runtime.application_changed(a);
    return ok(a, 201);
}

HttpResponse app_get(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    return ok(o->doc);
}

HttpResponse app_patch(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    json a = o->doc;
    bool config_changed = false;
    for (auto& [k, v] : b.items()) {
        if (k == "configuration") {
            if (auto e = check_configuration(v, false)) return *e;
            for (auto& [ck, cv] : v.items()) a["configuration"][ck] = cv;
            config_changed = true;
        } else if (k == "instances" || k == "max_instances") {
            if (!v.is_number_integer() || v.get<int64_t>() < 0)
                return err(400, 1002, "field " + k + " must be a non-negative integer");
            a[k] = v;
        } else if (k == "name") {
            if (!v.is_string() || v.get<std::string>().empty())
                return err(400, 1002, "field name must be a non-empty string");
            for (auto& other : c.store.list(K_APP, account_of(c)))
                if (other.name != o->name && other.doc.value("name", std::string()) == v.get<std::string>())
                    return err(409, 1001, "an application named " + quoted(v.get<std::string>()) + " already exists");
            a[k] = v;
        } else if (k == "scheduling_policy" || k == "constraints" || k == "observability" ||
                   k == "rollout_active_grace_period" || k == "durable_objects" || k == "affinities") {
            a[k] = v;
        }
    }
    if (config_changed) a["version"] = a.value("version", 1) + 1;
    a["updated_at"] = now_iso();
    c.store.put(K_APP, account_of(c), o->name, a);
    c.runtime.application_changed(a);
    return ok(a);
}

HttpResponse app_delete(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    c.store.erase_all(K_ROLL, o->name);
    c.store.erase(K_APP, account_of(c), o->name);
    // Stopping its containers waits on docker: after the transaction, so other requests are not held up.
    return outside_store(c, [&runtime = c.runtime, id = o->name] {
        runtime.application_deleted(id);
        return ok(json::object());
    });
}

HttpResponse rollout_create(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("description") || !b["description"].is_string())
        return err(400, 1002, "field description must be a string");
    std::string strategy = b.value("strategy", std::string());
    if (strategy != "rolling" && strategy != "new_instances")
        return err(400, 1002, "strategy must be rolling or new_instances, got " + quoted(strategy));
    if (!b.contains("target_configuration")) return err(400, 1002, "field target_configuration is required");
    if (auto e = check_configuration(b["target_configuration"], false)) return *e;
    json a = o->doc;
    json current = a["configuration"];
    int64_t cur_version = a.value("version", 1);
    for (auto& [k, v] : b["target_configuration"].items()) a["configuration"][k] = v;
    a["version"] = cur_version + 1;
    std::string now = now_iso();
    json r{{"id", uuid_v4()},
           {"status", "completed"},
           {"kind", b.value("kind", std::string("full_auto"))},
           {"strategy", strategy},
           {"description", b["description"]},
           {"current_version", cur_version},
           {"target_version", a["version"]},
           {"current_configuration", current},
           {"target_configuration", a["configuration"]},
           {"health",
            {{"instances", {{"healthy", a.value("instances", 0)}, {"failed", 0}, {"starting", 0}, {"scheduling", 0}}}}},
           {"progress",
            {{"total_steps", 1},
             {"current_step", 1},
             {"updated_instances", a.value("instances", 0)},
             {"total_instances", a.value("instances", 0)}}},
           {"steps", json::array({{{"id", 1},
                                   {"status", "completed"},
                                   {"step_size", {{"percentage", 100}}},
                                   {"description", "update all instances"},
                                   {"started_at", now},
                                   {"completed_at", now}}})},
           {"created_at", now},
           {"last_updated_at", now},
           {"started_at", now}};
    a["active_rollout_id"] = r["id"];
    a["updated_at"] = now;
    c.store.put(K_APP, account_of(c), o->name, a);
    c.store.put(K_ROLL, o->name, r["id"].get<std::string>(), r);
    return outside_store(c, [&runtime = c.runtime, a = std::move(a), r = std::move(r)] {
        runtime.rollout_created(a, r);
        return ok(r, 201);
    });
}

HttpResponse rollouts_list(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    json arr = json::array();
    for (auto& r : c.store.list(K_ROLL, o->name)) arr.push_back(r.doc);
    return ok(arr);
}

HttpResponse rollout_get(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    auto r = c.store.get(K_ROLL, o->name, c.p["rollout"]);
    if (!r) return err(404, 1000, "rollout " + quoted(c.p["rollout"]) + " not found");
    return ok(r->doc);
}

HttpResponse instances_list(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    std::string prefix = qget(c.q, "name_prefix"), state = qget(c.q, "state");
    if (!state.empty() && state != "active" && state != "not-active")
        return err(400, 1002, "state must be active or not-active, got " + quoted(state));
    return outside_store(c, [&c, app = std::move(o->doc), prefix, state] {
        std::vector<json> all;
        for (auto& i : c.runtime.list_instances(app)) {
            if (!prefix.empty() && !starts_with(i.value("name", std::string()), prefix)) continue;
            std::string st = i.contains("status") ? i["status"].value("state", std::string()) : std::string();
            bool active = st == "running" || st == "provisioning" || st == "unhealthy";
            if (state == "active" && !active) continue;
            if (state == "not-active" && active) continue;
            all.push_back(i);
        }
        return page_token_list(c, all, 100);
    });
}

HttpResponse dash_instances(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    return outside_store(c, [&c, app = std::move(o->doc)] {
        json arr = json::array();
        for (auto& i : c.runtime.list_instances(app)) arr.push_back(i);
        return ok({{"instances", arr}, {"durable_objects", json::array()}});
    });
}

HttpResponse instance_get(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    return outside_store(c, [&c, app = std::move(o->doc)] {
        for (auto& i : c.runtime.list_instances(app))
            if (i.value("id", std::string()) == c.p["instance"]) return ok(i);
        return err(404, 1000, "instance " + quoted(c.p["instance"]) + " not found");
    });
}

HttpResponse instance_delete(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    return outside_store(c, [&c, app = std::move(o->doc)] {
        auto st = c.runtime.stop_instance(app, c.p["instance"]);
        if (!st.ok()) return err(404, 1000, "instance " + quoted(c.p["instance"]) + " not found");
        return ok(json::object());
    });
}

// GET …/instances/:instance/logs?since=RFC3339&tail=N: the instance's container output, oldest first (a
// local-platform extension; Cloudflare's API has no container-logs route). `truncated`: the page is full,
// ask again from the last line's time.
HttpResponse instance_logs(Ctx& c) {
    auto o = find_app(c);
    if (!o) return app_not_found(c);
    InstanceLogsQuery q;
    q.since = qget(c.q, "since");
    if (auto t = qget(c.q, "tail"); !t.empty()) {
        auto v = to_int(t);
        if (!v || *v < 0 || *v > 100000)
            return err(400, 1002, "tail must be an integer from 0 to 100000, got " + quoted(t));
        q.tail = static_cast<int>(*v);
    }
    return outside_store(c, [&c, app = std::move(o->doc), q] {
        auto r = c.runtime.instance_logs(app, c.p["instance"], q);
        if (!r) {
            const Error& e = r.error();
            int status = e.kind == ErrorKind::NotFound         ? 404
                         : e.kind == ErrorKind::Usage          ? 400
                         : e.kind == ErrorKind::NotImplemented ? 501
                                                               : 502;
            return err(status, status == 404 ? 1000 : 1002, e.message);
        }
        return ok(*r);
    });
}

namespace {

json default_registry(Ctx& c) {
    return {{"domain", c.registry.host}, {"kind", "default"}, {"created_at", "2026-01-01T00:00:00Z"}};
}

}  // namespace

HttpResponse registries_list(Ctx& c) {
    json arr = json::array({default_registry(c)});
    for (auto& r : c.store.list(K_REG, account_of(c))) {
        json v = r.doc;
        v.erase("auth");
        arr.push_back(v);
    }
    return ok(arr);
}

HttpResponse registry_create(Ctx& c) {
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("domain") || !b["domain"].is_string() || b["domain"].get<std::string>().empty())
        return err(400, 1002, "field domain must be a non-empty string");
    std::string domain = b["domain"].get<std::string>();
    if (domain == c.registry.host || c.store.get(K_REG, account_of(c), domain))
        return err(409, 1001, "registry " + quoted(domain) + " is already configured");
    json r{{"domain", domain}, {"created_at", now_iso()}, {"is_public", b.value("is_public", false)}};
    if (b.contains("kind")) r["kind"] = b["kind"];
    json stored = r;
    if (b.contains("auth")) stored["auth"] = b["auth"];
    c.store.put(K_REG, account_of(c), domain, stored);
    return ok(r, 201);
}

HttpResponse registry_delete(Ctx& c) {
    std::string d = c.p["domain"];
    if (!c.store.erase(K_REG, account_of(c), d)) return err(404, 1000, "registry " + quoted(d) + " is not configured");
    return ok({{"domain", d}});
}

HttpResponse registry_credentials(Ctx& c) {
    std::string d = c.p["domain"];
    bool known = d == c.registry.host || d == "registry.cloudflare.com";
    if (!known) {
        auto r = c.store.get(K_REG, account_of(c), d);
        if (!r) return err(404, 1000, "registry " + quoted(d) + " is not configured");
        if (r->doc.value("is_public", false))
            return err(409, 1001, "registry " + quoted(d) + " is public: no credentials needed");
    }
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("expiration_minutes") || !b["expiration_minutes"].is_number_integer() ||
        b["expiration_minutes"].get<int64_t>() < 1)
        return err(400, 1002, "field expiration_minutes must be a positive integer");
    if (!b.contains("permissions") || !b["permissions"].is_array() || b["permissions"].empty())
        return err(400, 1002, "field permissions must be a non-empty array of push, pull");
    for (auto& p : b["permissions"])
        if (!p.is_string() || (p != "push" && p != "pull" && p != "list"))
            return err(403, 1003, "permission " + p.dump() + " is not allowed");
    std::string pw = c.registry.password.empty() ? random_hex(24) : c.registry.password;
    Redactor::global().add(pw);
    return ok({{"account_id", c.creds.account_id},
               {"registry_host", known ? c.registry.host : d},
               {"username", c.registry.username},
               {"password", pw}},
              201);
}

HttpResponse containers_me(Ctx& c) {
    return ok({{"account_id", c.creds.account_id},
               {"external_account_id", c.creds.account_id},
               {"legacy_identity", ""},
               {"capabilities", json::array()},
               {"limits",
                {{"account_id", c.creds.account_id},
                 {"vcpu_per_deployment", 4},
                 {"memory_mib_per_deployment", 12288},
                 {"disk_per_deployment", 20000},
                 {"total_vcpu", 64},
                 {"total_memory_mib", 262144}}},
               {"locations", json::array()},
               {"defaults", {{"vcpus", 1}, {"memory_mib", 256}, {"disk_mb", 2000}}},
               {"registry_host", c.registry.host},
               {"registry_placeholder", c.registry.placeholder}});
}

}  // namespace tenantctl::platform::v4
