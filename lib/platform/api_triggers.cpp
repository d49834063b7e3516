#include "platform/api_internal.hpp"

#include <cctype>

#include "core/sha256.hpp"

namespace tenantctl::platform::v4 {

namespace {

// ---- triggers: cron schedules, the workers.dev subdomain toggle and routes, kept with the script --------

bool valid_cron(const std::string& cron) {
    std::vector<std::string> fields;
    for (auto& f : split(cron, ' '))
        if (!f.empty()) fields.push_back(f);
    if (fields.size() != 5) return false;
    for (const auto& f : fields)
        for (char ch : f)
            if (!(std::isalnum(static_cast<unsigned char>(ch)) ||
                  std::string_view("*/,-?#LW").find(ch) != std::string_view::npos))
                return false;
    return true;
}

}  // namespace

HttpResponse schedules_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    return ok({{"schedules", o->doc.value("schedules", json::array())}});
}

HttpResponse schedules_put(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json body;
    if (auto e = parse_json_body(c, body, false)) return *e;
    if (!body.is_array()) return err(400, 10021, "the schedules body must be an array of {\"cron\": \"…\"}");
    const json before = o->doc.value("schedules", json::array());
    json out = json::array();
    for (const auto& x : body) {
        if (!x.is_object() || !x.contains("cron") || !x["cron"].is_string())
            return err(400, 10021, "each schedule needs a string \"cron\"");
        const std::string cron = x["cron"].get<std::string>();
        if (!valid_cron(cron)) return err(400, 10100, "invalid cron expression: " + quoted(cron));
        std::string created = now_iso();
        for (const auto& b : before)
            if (b.value("cron", std::string()) == cron) created = b.value("created_on", created);
        out.push_back({{"cron", cron}, {"created_on", created}, {"modified_on", now_iso()}});
    }
    json doc = o->doc;
    doc["schedules"] = out;
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok({{"schedules", out}});
}

HttpResponse script_subdomain_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json sd = o->doc.value("subdomain", json::object());
    return ok({{"enabled", sd.value("enabled", false)}, {"previews_enabled", sd.value("previews_enabled", false)}});
}

HttpResponse script_subdomain_post(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json body;
    if (auto e = parse_json_body(c, body)) return *e;
    if (!body.contains("enabled") || !body["enabled"].is_boolean())
        return err(400, 10021, "\"enabled\" must be a boolean");
    if (body.contains("previews_enabled") && !body["previews_enabled"].is_boolean())
        return err(400, 10021, "\"previews_enabled\" must be a boolean");
    json sd = {{"enabled", body["enabled"]},
               {"previews_enabled", body.value("previews_enabled", body["enabled"].get<bool>())}};
    json doc = o->doc;
    doc["subdomain"] = sd;
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok(sd);
}

HttpResponse script_routes_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    return ok(o->doc.value("routes", json::array()));
}

HttpResponse script_routes_put(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json body;
    if (auto e = parse_json_body(c, body, false)) return *e;
    if (!body.is_array()) return err(400, 10021, "the routes body must be an array of {\"pattern\": \"…\"}");
    json out = json::array();
    for (const auto& r : body) {
        if (!r.is_object() || !r.contains("pattern") || !r["pattern"].is_string() ||
            r["pattern"].get<std::string>().empty())
            return err(400, 10021, "each route needs a non-empty string \"pattern\"");
        if (r.value("custom_domain", false))
            return err(400, 10021, "custom domains are set with the domains API, not with routes");
        // A pattern belongs to one worker of the account (the real API refuses a second one as well).
        if (s.kind == K_WS)
            for (auto& other : c.store.list(K_WS, s.parent)) {
                if (other.name == s.script) continue;
                for (auto& held : other.doc.value("routes", json::array()))
                    if (held.value("pattern", std::string()) == r["pattern"].get<std::string>())
                        return err(409, 10020,
                                   "route " + quoted(r["pattern"].get<std::string>()) +
                                       " is already assigned to worker " + quoted(other.name));
            }
        json x = {{"id", sha256_hex(s.script + "\n" + r["pattern"].get<std::string>()).substr(0, 32)},
                  {"pattern", r["pattern"]},
                  {"script", s.script}};
        for (const char* k : {"zone_id", "zone_name"})
            if (r.contains(k) && r[k].is_string()) x[k] = r[k];
        out.push_back(x);
    }
    json doc = o->doc;
    doc["routes"] = out;
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok(out);
}

HttpResponse account_subdomain_get(Ctx& c) {
    auto o = c.store.get("workers_subdomain", account_of(c), "subdomain");
    return ok({{"subdomain", o ? o->doc.value("subdomain", std::string("local")) : std::string("local")}});
}

HttpResponse account_subdomain_put(Ctx& c) {
    json body;
    if (auto e = parse_json_body(c, body)) return *e;
    if (!body.contains("subdomain") || !body["subdomain"].is_string() || body["subdomain"].get<std::string>().empty())
        return err(400, 10021, "\"subdomain\" must be a non-empty string");
    c.store.put("workers_subdomain", account_of(c), "subdomain", {{"subdomain", body["subdomain"]}}, "");
    return ok({{"subdomain", body["subdomain"]}});
}

}  // namespace tenantctl::platform::v4
