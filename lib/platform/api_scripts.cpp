#include "platform/api_internal.hpp"

#include <algorithm>
#include <set>

#include "core/sha256.hpp"

namespace tenantctl::platform::v4 {

std::string secret_parent(const std::string& kind, const std::string& parent, const std::string& script) {
    return kind + "/" + parent + "/" + script;
}

// --- scripts (shared by namespace scripts and account scripts) ------------------------------------

// Resolves the scope of a script route; an error response when the namespace does not exist.
std::optional<HttpResponse> resolve_scope(Ctx& c, Scope& s) {
    s.script = c.p["script"];
    if (c.p.count("ns")) {
        auto ns = find_ns(c);
        if (!ns) return ns_not_found(c);
        s.kind = K_NSS;
        s.parent = ns->doc.value("namespace_id", std::string());
        s.ns_name = ns->name;
        s.not_found = 10092;
    } else {
        s.kind = K_WS;
        s.parent = account_of(c);
        s.not_found = 10007;
    }
    return std::nullopt;
}

HttpResponse script_not_found(const Scope& s) {
    return err(404, s.not_found,
               "worker script " + quoted(s.script) + " not found" +
                   (s.ns_name.empty() ? std::string() : " in dispatch namespace " + quoted(s.ns_name)));
}

namespace {

json secret_view(const json& d) {
    json v{{"name", d.value("name", std::string())}, {"type", d.value("type", std::string("secret_text"))}};
    if (v["type"] == "secret_key") {
        for (const char* k : {"algorithm", "format", "usages"})
            if (d.contains(k)) v[k] = d[k];
    }
    return v;
}

// A binding as the API returns it: secret values (secret_text's text, secret_key's key material) never leave
// the platform once stored.
json scrub_binding(json b) {
    if (b.is_object() && b.contains("type") && (b["type"] == "secret_text" || b["type"] == "secret_key")) {
        b.erase("text");
        b.erase("key_base64");
        b.erase("key_jwk");
    }
    return b;
}

}  // namespace

json scrub_bindings(const json& arr) {
    json out = json::array();
    if (arr.is_array())
        for (auto& b : arr) out.push_back(scrub_binding(b));
    return out;
}

namespace {

json script_view(const json& doc) {
    return doc.value("script", json::object());
}

json settings_view(const json& doc) {
    json s = doc.value("settings", json::object());
    if (s.contains("bindings")) s["bindings"] = scrub_bindings(s["bindings"]);
    s["tags"] = doc["script"].value("tags", json::array());
    return s;
}

// The tail hub's name for a script: "NAME", or "NS/NAME" for a dispatch-namespace script.
std::string tail_key(const Scope& s) {
    return s.kind == K_NSS ? s.ns_name + "/" + s.script : s.script;
}

}  // namespace

HttpResponse script_details(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json sc = script_view(o->doc);
    return ok({{"created_on", sc["created_on"]},
               {"modified_on", sc["modified_on"]},
               {"dispatch_namespace", s.ns_name},
               {"script", sc}});
}

HttpResponse script_delete(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    c.store.erase_all(K_SECRET, s.secrets_parent());
    if (s.kind == K_WS) {
        c.store.erase_all(K_VER, std::string(K_WS) + "/" + s.script);
        c.store.erase_all(K_DEP, std::string(K_WS) + "/" + s.script);
    }
    c.store.erase(s.kind, s.parent, s.script);
    if (c.opt.tails) c.opt.tails->remove_script(tail_key(s));
    return ok(nullptr);
}

// POST|GET workers/scripts/NAME/tails and DELETE …/tails/ID, and the same under a dispatch namespace (which
// only the local platform offers): live tails, read over the tail WebSocket server at the returned url.
HttpResponse tail_create(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    if (!c.opt.tails) return err(503, 10013, "live tails need the workers runtime, which is not running");
    auto t = c.opt.tails->create(tail_key(s));
    if (!t.ok()) return err(429, 10057, t.error().message);
    return ok({{"id", t->id}, {"url", t->url}, {"expires_at", t->expires_at}});
}

HttpResponse tails_list(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json arr = json::array();
    if (c.opt.tails)
        for (auto& t : c.opt.tails->list(tail_key(s)))
            arr.push_back({{"id", t.id}, {"url", t.url}, {"expires_at", t.expires_at}});
    return ok(arr);
}

HttpResponse tail_delete(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    if (!c.opt.tails || !c.opt.tails->remove(tail_key(s), c.p["tail"]))
        return err(404, 10000, "tail " + quoted(c.p["tail"]) + " of script " + quoted(s.script) + " not found");
    return ok(nullptr);
}

namespace {

// Applies a `tags=a:yes,b:no` filter.
bool tags_match(const json& tags, const std::vector<std::pair<std::string, bool>>& filter) {
    for (auto& [tag, want] : filter) {
        bool has = false;
        for (auto& t : tags) has = has || (t.is_string() && t.get<std::string>() == tag);
        if (has != want) return false;
    }
    return true;
}

}  // namespace

HttpResponse scripts_list(Ctx& c) {
    Scope s;
    if (auto e = resolve_scope(c, s)) return *e;
    auto filter = parse_tag_filter(qget(c.q, "tags"));
    if (!filter.ok()) return err(400, 10004, filter.error().message);
    json arr = json::array();
    for (auto& o : c.store.list(s.kind, s.parent)) {
        json sc = script_view(o.doc);
        if (!tags_match(sc.value("tags", json::array()), filter.value())) continue;
        if (s.kind == K_NSS) {
            arr.push_back({{"created_on", sc["created_on"]},
                           {"modified_on", sc["modified_on"]},
                           {"dispatch_namespace", s.ns_name},
                           {"script", sc}});
        } else {
            sc["routes"] = nullptr;
            arr.push_back(sc);
        }
    }
    return ok(arr);
}

HttpResponse scripts_bulk_delete(Ctx& c) {
    Scope s;
    if (auto e = resolve_scope(c, s)) return *e;
    std::string tq = qget(c.q, "tags");
    auto filter = parse_tag_filter(tq);
    if (!filter.ok()) return err(400, 10004, filter.error().message);
    if (filter.value().empty()) return err(400, 10004, "bulk delete needs a tags filter, e.g. ?tags=customer-42:yes");
    int64_t limit = 100;
    if (auto l = qget(c.q, "limit"); !l.empty()) {
        auto v = to_int(l);
        if (!v || *v < 1 || *v > 10000) return err(400, 10004, "limit must be between 1 and 10000, got " + quoted(l));
        limit = *v;
    }
    json deleted = json::array();
    bool more = false;
    for (auto& o : c.store.list(s.kind, s.parent)) {
        if (!tags_match(o.doc["script"].value("tags", json::array()), filter.value())) continue;
        if (static_cast<int64_t>(deleted.size()) >= limit) {
            more = true;
            break;
        }
        c.store.erase_all(K_SECRET, secret_parent(s.kind, s.parent, o.name));
        c.store.erase(s.kind, s.parent, o.name);
        if (c.opt.tails) c.opt.tails->remove_script(s.ns_name + "/" + o.name);
        deleted.push_back({{"id", o.name}});
    }
    int64_t n = static_cast<int64_t>(deleted.size());
    return ok({{"deleted", deleted}, {"deleted_count", n}, {"has_more", more}});
}

namespace {

// A script's stored modules as they are: its multipart blob.
HttpResponse modules_response(const StoredObject& script) {
    HttpResponse r;
    r.body = script.blob;
    r.content_type = "multipart/form-data; boundary=" + stored_modules_boundary(script.blob);
    return r;
}

}  // namespace

HttpResponse script_content_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    auto mods = o->doc.value("modules", json::array());
    if (mods.size() == 1) {
        auto parts = stored_modules(o->blob);
        if (parts.size() == 1) {
            HttpResponse r;
            r.body = std::move(parts[0].body);
            r.content_type = parts[0].content_type.empty() ? "application/javascript" : parts[0].content_type;
            return r;
        }
    }
    return modules_response(*o);
}

HttpResponse script_content_put(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    Upload up;
    if (auto e = take_upload(c, up)) return *e;
    std::string hdr_main = c.header("cf-worker-main-module-part");
    std::string hdr_body = c.header("cf-worker-body-part");
    if (!hdr_main.empty()) up.main = hdr_main, up.has_modules = true;
    if (!hdr_body.empty()) up.main = hdr_body, up.has_modules = false;
    std::string blob = modules_blob(c, up);
    json doc = o->doc;
    doc["modules"] = module_list(up);
    doc["main"] = up.main;
    doc["script"]["etag"] = sha256_of(c, blob);
    doc["script"]["has_modules"] = up.has_modules;
    doc["script"]["modified_on"] = now_iso();
    doc["script"]["handlers"] = handlers_of(c);  // of the new code, as the check found them
    doc["script"]["named_handlers"] = named_handlers_of(c);
    c.store.put(s.kind, s.parent, s.script, doc, blob);
    return ok(doc["script"]);
}

HttpResponse script_settings_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    return ok(settings_view(o->doc));
}

// GET …/content/v2 (and the services/…/environments/ENV/content/v2 wrangler reads): a modules worker as
// multipart/form-data with its main module in the CF-Entrypoint header, a service worker as its script.
HttpResponse script_content_v2(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    if (c.p.count("env") && c.p["env"] != "production")
        return err(404, 10090, "worker " + quoted(s.script) + " has no environment " + quoted(c.p["env"]));
    const std::string main = o->doc.value("main", std::string());
    if (!o->doc["script"].value("has_modules", false)) {
        auto parts = stored_modules(o->blob);
        for (auto& p : parts)
            if (p.name == main || parts.size() == 1) {
                HttpResponse r;
                r.body = std::move(p.body);
                r.content_type = "application/javascript";
                return r;
            }
    }
    HttpResponse r = modules_response(*o);
    r.headers.emplace_back("CF-Entrypoint", main);
    return r;
}

namespace {

// A stable tag for an account script (Cloudflare's script tag: 32 hex digits).
std::string script_tag(const Ctx& c, const std::string& script) {
    return sha256_hex("script-tag\n" + c.creds.account_id + "\n" + script).substr(0, 32);
}

}  // namespace

// GET workers/services/NAME: the service view of an account script (its one environment, "production").
HttpResponse service_get(Ctx& c) {
    Scope s;
    if (auto e = resolve_scope(c, s)) return *e;
    auto o = c.store.get(s.kind, s.parent, s.script);
    if (!o) return err(404, 10090, "workers.api.error.service_not_found: worker " + quoted(s.script) + " not found");
    json sc = script_view(o->doc);
    sc["tag"] = script_tag(c, s.script);
    json env{{"environment", "production"},
             {"created_on", sc["created_on"]},
             {"modified_on", sc["modified_on"]},
             {"script", sc}};
    return ok({{"id", s.script},
               {"default_environment", env},
               {"environments", json::array({env})},
               {"created_on", sc["created_on"]},
               {"modified_on", sc["modified_on"]}});
}

// GET workers/workers/NAME: the Workers (beta) view of an account script, which wrangler reads for the
// workers.dev and preview URL toggles after a deploy.
HttpResponse worker_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json sc = script_view(o->doc);
    json sd = o->doc.value("subdomain", json::object());
    return ok({{"id", script_tag(c, s.script)},
               {"name", s.script},
               {"created_on", sc["created_on"]},
               {"updated_on", sc["modified_on"]},
               {"logpush", sc.value("logpush", false)},
               {"observability", sc.value("observability", json{{"enabled", false}})},
               {"subdomain",
                {{"enabled", sd.value("enabled", false)}, {"previews_enabled", sd.value("previews_enabled", false)}}},
               {"tags", sc.value("tags", json::array())},
               {"tail_consumers", sc.value("tail_consumers", json::array())}});
}

// GET workers/scripts/NAME/references: what uses this script (service bindings and dispatch outbounds of
// other account scripts).
HttpResponse script_references(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json incoming = json::array();
    for (auto& other : c.store.list(K_WS, account_of(c))) {
        if (other.name == s.script) continue;
        for (auto& b : other.doc["settings"].value("bindings", json::array()))
            if (b.is_object() && b.value("type", std::string()) == "service" &&
                b.value("service", std::string()) == s.script)
                incoming.push_back({{"service", other.name}, {"environment", "production"}, {"name", b["name"]}});
    }
    return ok({{"services", {{"incoming", incoming}, {"outgoing", json::array()}, {"pages_function", false}}},
               {"durable_objects", json::array()},
               {"dispatch_outbounds", json::array()}});
}

// GET workers/tails/by-consumer/NAME: the account scripts whose tail_consumers name NAME.
HttpResponse tails_by_consumer(Ctx& c) {
    std::string name = c.p["script"];
    json arr = json::array();
    for (auto& o : c.store.list(K_WS, account_of(c)))
        for (auto& t : o.doc["settings"].value("tail_consumers", json::array()))
            if (t.is_object() && t.value("service", std::string()) == name)
                arr.push_back({{"producer", {{"service", o.name}, {"environment", "production"}}}});
    return ok(arr);
}

// GET workers/durable_objects/namespaces: the platform runs no Durable Objects, so there are none.
HttpResponse do_namespaces_list(Ctx& c) {
    return paged<json>(c, {}, 20, 1, 1000, [](const json& j) { return j; });
}

namespace {

// GET/PATCH workers/scripts/NAME/script-settings: the settings that are not versioned.
json script_settings_view(const json& doc) {
    json sc = doc.value("script", json::object());
    return {{"logpush", sc.value("logpush", false)},
            {"observability", sc.value("observability", json{{"enabled", false}})},
            {"tags", sc.value("tags", json::array())},
            {"tail_consumers", sc.value("tail_consumers", json::array())}};
}

}  // namespace

HttpResponse script_settings_nv_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    return ok(script_settings_view(o->doc));
}

HttpResponse script_settings_nv_patch(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    json doc = o->doc;
    for (auto& [k, v] : b.items()) {
        if (k == "tags") {
            json tags = v.is_null() ? json::array() : v;
            if (auto e = check_tags(tags)) return *e;
            doc["script"]["tags"] = unique_tags(tags);
        } else if (k == "logpush") {
            if (!v.is_boolean() && !v.is_null()) return err(400, 10021, "logpush must be a boolean");
            doc["script"]["logpush"] = v.is_null() ? json(false) : v;
            doc["settings"]["logpush"] = doc["script"]["logpush"];
        } else if (k == "observability" || k == "tail_consumers") {
            if (v.is_null()) continue;
            if (k == "observability" && !v.is_object()) return err(400, 10021, "observability must be an object");
            if (k == "tail_consumers" && !v.is_array()) return err(400, 10021, "tail_consumers must be an array");
            doc["script"][k] = v;
            doc["settings"][k] = v;
        }
    }
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok(script_settings_view(doc));
}

HttpResponse script_settings_patch(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    std::string ct = c.header("content-type");
    json patch;
    if (media_type(ct) == "application/json") {
        if (auto e = parse_json_body(c, patch)) return *e;
    } else {
        auto parts = parse_multipart(ct, c.req.body);
        if (!parts.ok()) return err(400, 10001, parts.error().message);
        bool found = false;
        for (auto& p : parts.value())
            if (p.name == "settings") {
                patch = json::parse(p.body, nullptr, false);
                found = true;
            }
        if (!found) return err(400, 10001, "the multipart body has no settings part");
        if (patch.is_discarded() || !patch.is_object())
            return err(400, 10001, "the settings part is not a JSON object");
    }
    json doc = o->doc;
    json& st = doc["settings"];
    for (auto& [k, v] : patch.items()) {
        if (k == "tags") {
            if (v.is_null()) {
                doc["script"]["tags"] = json::array();
                continue;
            }
            if (auto e = check_tags(v)) return *e;
            doc["script"]["tags"] = unique_tags(v);
        } else if (k == "bindings") {
            if (!v.is_array()) return err(400, 10021, "settings.bindings must be an array");
            json plain = json::array();
            for (auto& b : v) {
                if (!b.is_object() || !b.contains("name") || !b["name"].is_string() || !b.contains("type") ||
                    !b["type"].is_string())
                    return err(400, 10021, "each binding needs a string type and name");
                if (b["type"] == "secret_text" || b["type"] == "secret_key") {
                    // Secrets go to the secret store (whose views never include values), not into settings.
                    if (b["type"] == "secret_text" && b.contains("text") && b["text"].is_string())
                        c.store.put(K_SECRET, s.secrets_parent(), b["name"].get<std::string>(),
                                    {{"name", b["name"]}, {"type", "secret_text"}, {"text", b["text"]}});
                    if (b["type"] == "secret_key" && !validate_secret(b, b["name"].get<std::string>()))
                        c.store.put(K_SECRET, s.secrets_parent(), b["name"].get<std::string>(),
                                    secret_doc(b["name"].get<std::string>(), b));
                } else {
                    plain.push_back(b);
                }
            }
            st["bindings"] = plain;
        } else if (k == "compatibility_date" || k == "compatibility_flags" || k == "limits" || k == "logpush" ||
                   k == "observability" || k == "placement" || k == "tail_consumers" || k == "usage_model" ||
                   k == "migrations") {
            st[k] = v;
            if (k == "compatibility_date" || k == "compatibility_flags" || k == "logpush" || k == "tail_consumers" ||
                k == "usage_model" || k == "observability")
                doc["script"][k] = v;
        }
    }
    doc["script"]["modified_on"] = now_iso();
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok(settings_view(doc));
}

HttpResponse script_bindings(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json arr = scrub_bindings(o->doc["settings"].value("bindings", json::array()));
    for (auto& sec : c.store.list(K_SECRET, s.secrets_parent())) arr.push_back(secret_view(sec.doc));
    return ok(arr);
}

// --- tags --------------------------------------------------------------------------------------------

HttpResponse tags_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    return ok(o->doc["script"].value("tags", json::array()));
}

HttpResponse tags_put(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json body;
    if (auto e = parse_json_body(c, body, false)) return *e;
    if (body.is_null()) body = json::array();
    if (auto e = check_tags(body)) return *e;
    json doc = o->doc;
    doc["script"]["tags"] = unique_tags(body);
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok(doc["script"]["tags"]);
}

HttpResponse tag_put(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    std::string tag = c.p["tag"];
    if (tag.empty()) return err(400, 10004, "tag must not be empty");
    json doc = o->doc;
    json tags = doc["script"].value("tags", json::array());
    for (auto& t : tags)
        if (t == tag) return ok(nullptr);
    tags.push_back(tag);
    if (auto e = check_tags(tags)) return *e;
    doc["script"]["tags"] = tags;
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok(nullptr);
}

HttpResponse tag_delete(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    std::string tag = c.p["tag"];
    json doc = o->doc;
    json tags = json::array();
    for (auto& t : doc["script"].value("tags", json::array()))
        if (t != tag) tags.push_back(t);
    doc["script"]["tags"] = tags;
    c.store.put(s.kind, s.parent, s.script, doc, o->blob);
    return ok(nullptr);
}

// --- secrets -------------------------------------------------------------------------------------

std::optional<HttpResponse> validate_secret(const json& b, const std::string& name_hint) {
    if (!b.is_object()) return err(400, 10004, "secret " + quoted(name_hint) + " must be an object");
    std::string type = b.value("type", std::string("secret_text"));
    if (type == "secret_text") {
        if (!b.contains("text") || !b["text"].is_string())
            return err(400, 10004, "secret " + quoted(name_hint) + " needs a string field text");
    } else if (type == "secret_key") {
        if (!b.contains("format") || !b.contains("algorithm"))
            return err(400, 10004, "secret_key " + quoted(name_hint) + " needs format and algorithm");
    } else {
        return err(400, 10004, "secret type must be secret_text or secret_key, got " + quoted(type));
    }
    return std::nullopt;
}

json secret_doc(const std::string& name, const json& b) {
    json d{{"name", name}, {"type", b.value("type", std::string("secret_text"))}};
    for (const char* k : {"text", "algorithm", "format", "usages", "key_base64", "key_jwk"})
        if (b.contains(k)) d[k] = b[k];
    return d;
}

namespace {

void touch_script(Ctx& c, const Scope& s, const StoredObject& o) {
    json doc = o.doc;
    doc["script"]["modified_on"] = now_iso();
    c.store.put(s.kind, s.parent, s.script, doc, o.blob);
}

}  // namespace

HttpResponse secrets_list(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json arr = json::array();
    for (auto& sec : c.store.list(K_SECRET, s.secrets_parent(), false)) arr.push_back(secret_view(sec.doc));
    return ok(arr);
}

HttpResponse secret_put(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("name") || !b["name"].is_string() || b["name"].get<std::string>().empty())
        return err(400, 10004, "secret needs a non-empty string field name");
    std::string name = b["name"].get<std::string>();
    if (auto e = validate_secret(b, name)) return *e;
    json d = secret_doc(name, b);
    c.store.put(K_SECRET, s.secrets_parent(), name, d);
    touch_script(c, s, *o);
    return ok(secret_view(d));
}

namespace {

std::string secret_name_param(Ctx& c) {
    std::string n = c.p["secret"];
    if (truthy(c.q, "url_encoded")) n = url_decode(n);
    return n;
}

}  // namespace

HttpResponse secret_get(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    std::string n = secret_name_param(c);
    auto sec = c.store.get(K_SECRET, s.secrets_parent(), n);
    if (!sec) return err(404, 10053, "secret " + quoted(n) + " not found on script " + quoted(s.script));
    return ok(secret_view(sec->doc));
}

HttpResponse secret_delete(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    std::string n = secret_name_param(c);
    if (!c.store.erase(K_SECRET, s.secrets_parent(), n))
        return err(404, 10053, "secret " + quoted(n) + " not found on script " + quoted(s.script));
    touch_script(c, s, *o);
    return ok(nullptr);
}

HttpResponse secrets_bulk(Ctx& c) {
    LOAD_SCRIPT(c, s, o);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("secrets") || !b["secrets"].is_object())
        return err(400, 10004, "body needs an object field secrets ({NAME: {type, text} | null})");
    for (auto& [name, v] : b["secrets"].items()) {
        if (name.empty()) return err(400, 10004, "secret names must not be empty");
        if (v.is_null()) continue;
        if (auto e = validate_secret(v, name)) return *e;
    }
    const std::string sp = s.secrets_parent();
    for (auto& [name, v] : b["secrets"].items()) {
        if (v.is_null()) {
            c.store.erase(K_SECRET, sp, name);
        } else {
            c.store.put(K_SECRET, sp, name, secret_doc(name, v));
        }
    }
    touch_script(c, s, *o);
    json out = json::object();
    for (auto& sec : c.store.list(K_SECRET, sp, false)) out[sec.name] = secret_view(sec.doc);
    return ok(out);
}

}  // namespace tenantctl::platform::v4
