#include "platform/api_internal.hpp"

#include <set>

#include "core/sha256.hpp"
#include "platform/d1.hpp"

namespace tenantctl::platform {

void Api::set_validator(std::shared_ptr<ScriptValidator> validator) {
    std::lock_guard lock(m_validator_mutex);
    m_validator = std::move(validator);
}

namespace v4 {

namespace {

constexpr size_t k_max_tags = 8;

}  // namespace

std::optional<HttpResponse> check_tags(const json& tags) {
    if (!tags.is_array()) return err(400, 10004, "tags must be an array of strings");
    std::set<std::string> seen;
    for (auto& t : tags) {
        if (!t.is_string() || t.get<std::string>().empty()) return err(400, 10004, "tags must be non-empty strings");
        seen.insert(t.get<std::string>());
    }
    if (seen.size() > k_max_tags)
        return err(400, 10056, "a script may have at most 8 tags, got " + std::to_string(seen.size()));
    return std::nullopt;
}

json unique_tags(const json& tags) {
    json out = json::array();
    std::set<std::string> seen;
    for (auto& t : tags)
        if (seen.insert(t.get<std::string>()).second) out.push_back(t);
    return out;
}

// Modules are stored as one multipart blob. Its boundary is chosen so that no module body contains it (a
// fixed boundary would cut a module that happens to contain it), and it is the blob's first line, so reading
// a blob back needs no other record; blobs written with the former fixed boundary read back the same way.
std::string serialize_modules(const std::vector<MultipartPart>& mods) {
    std::string seed;
    for (auto& m : mods) seed += sha256_hex(m.name + '\0' + m.body);
    std::string boundary;
    for (int n = 0;; ++n) {
        boundary = "tenantctl-dev-module-" + sha256_hex(seed + std::to_string(n)).substr(0, 24);
        bool clash = false;
        for (auto& m : mods)
            if (m.body.find(boundary) != std::string::npos || m.name.find(boundary) != std::string::npos) clash = true;
        if (!clash) break;
    }
    auto param = [](const std::string& v) {  // a quoted-string parameter value: \ and " escaped
        std::string out;
        for (char ch : v) {
            if (ch == '\\' || ch == '"') out += '\\';
            out += ch;
        }
        return out;
    };
    std::string out;
    for (auto& m : mods) {
        out += "--" + boundary + "\r\n";
        out += "Content-Disposition: form-data; name=\"" + param(m.name) + "\"; filename=\"" + param(m.name) + "\"\r\n";
        out += "Content-Type: " + (m.content_type.empty() ? std::string("application/octet-stream") : m.content_type) +
               "\r\n\r\n";
        out += m.body + "\r\n";
    }
    out += "--" + boundary + "--\r\n";
    return out;
}

namespace {

bool module_type_ok(const std::string& ct) {
    static const std::set<std::string> ok_types{"application/javascript+module",
                                                "text/javascript+module",
                                                "application/javascript",
                                                "text/javascript",
                                                "text/x-python",
                                                "text/x-python-requirement",
                                                "application/wasm",
                                                "text/plain",
                                                "application/octet-stream",
                                                "application/source-map",
                                                "application/json"};
    return ct.empty() || ok_types.count(media_type(ct)) > 0;
}

// True when a body labelled as JavaScript is in fact a multipart/form-data body: a "--boundary" first line
// followed by a Content-Disposition: form-data header.
bool looks_like_multipart(std::string_view body) {
    if (body.size() < 4 || body.substr(0, 2) != "--") return false;
    auto eol = body.find("\r\n");
    if (eol == std::string_view::npos || eol > 200) eol = body.find('\n');
    if (eol == std::string_view::npos || eol > 200) return false;
    std::string head = to_lower(std::string(body.substr(eol, 512)));
    return head.find("content-disposition: form-data") != std::string::npos;
}

// Names the module parts of an upload as Cloudflare does: a part's module name is its file name when it has
// one (the `cloudflare` SDK 6.x sends every module in a part named `files`; the Workers for Platforms
// template sends a part named `script` with filename `x.mjs`), otherwise its field name. Clients that name
// the part after the module and give it another file name (curl -F "index.js=@/tmp/x.js") are served too:
// when no file name matches `main`, field names are used. False when no part is called `main`.
bool name_modules(std::vector<MultipartPart>& mods, const std::string& main) {
    auto by_file = [](const MultipartPart& m) { return m.filename.empty() ? m.name : m.filename; };
    bool file_match = main.empty(), name_match = false;
    for (auto& m : mods) {
        file_match = file_match || by_file(m) == main;
        name_match = name_match || m.name == main;
    }
    if (file_match) {
        for (auto& m : mods) m.name = by_file(m);
    }
    return file_match || name_match;
}

}  // namespace

// Reads an upload body: multipart with a metadata part and module parts, or a raw service-worker script.
// `part_name` is the name of the JSON part ("metadata" for uploads, "settings" for settings PATCH).
std::optional<HttpResponse> parse_upload(Ctx& c, Upload& up, bool need_modules) {
    std::string ct = c.header("content-type");
    std::string mt = media_type(ct);
    if (mt == "application/javascript" || mt == "text/javascript") {
        if (c.req.body.empty()) return err(400, 10021, "the script body is empty");
        // A multipart body labelled as JavaScript (what the `cloudflare` SDK 7.x sends for a script upload:
        // its form with bracket-named parts under the SDK's default Content-Type) is not a script: Cloudflare
        // refuses it with 10021 when it fails to parse, and so does the platform, instead of storing the
        // multipart text as a service worker that only fails once it runs.
        if (looks_like_multipart(c.req.body))
            return err(400, 10021,
                       "Uncaught SyntaxError: the script body is a multipart/form-data body sent with Content-Type " +
                           quoted(mt) + "; send it as multipart/form-data with a metadata part");
        up.modules.push_back({"script.js", "script.js", mt, c.req.body});
        up.metadata = {{"body_part", "script.js"}};
        up.main = "script.js";
        return std::nullopt;
    }
    auto parts = parse_multipart(ct, c.req.body);
    if (!parts.ok()) return err(400, 10001, parts.error().message);
    bool have_meta = false;
    bool bracket_fields = false;
    for (auto& p : parts.value()) {
        if (p.name == "metadata") {
            up.metadata = json::parse(p.body, nullptr, false);
            if (up.metadata.is_discarded() || !up.metadata.is_object())
                return err(400, 10001, "the metadata part is not a JSON object");
            have_meta = true;
        } else if (starts_with(p.name, "metadata[")) {
            bracket_fields = true;
        } else {
            if (!module_type_ok(p.content_type))
                return err(400, 10021,
                           "module " + quoted(p.name) + " has an unsupported content type " + quoted(p.content_type));
            up.modules.push_back(std::move(p));
        }
    }
    if (!have_meta)
        return err(400, 10001,
                   bracket_fields ? "the multipart body has no metadata part (metadata[…] fields are not read: send "
                                    "the metadata as one JSON part named metadata)"
                                  : "the multipart body has no metadata part");
    // An assets-only Worker is uploaded as metadata alone: {assets, compatibility_date, …}, no module.
    const bool assets_only = up.metadata.contains("assets") && !up.metadata.contains("main_module") &&
                             !up.metadata.contains("body_part") && up.modules.empty();
    if (assets_only) need_modules = false;
    if (need_modules && up.modules.empty()) return err(400, 10021, "the upload has no module parts");
    std::string field = up.metadata.contains("main_module") ? "main_module" : "body_part";
    if (up.metadata.contains(field)) {
        if (!up.metadata[field].is_string()) return err(400, 10021, "metadata." + field + " must be a string");
        up.main = up.metadata[field].get<std::string>();
        if (!name_modules(up.modules, up.main) && need_modules)
            return err(
                400, 10021,
                "metadata." + field + " names module " + quoted(up.main) + " but no part has that file name or name");
    } else if (!up.modules.empty()) {
        name_modules(up.modules, {});
        up.main = up.modules.front().name;
    }
    up.has_modules = up.metadata.contains("main_module") ||
                     (!up.metadata.contains("body_part") && !up.modules.empty() &&
                      media_type(up.modules.front().content_type).find("module") != std::string::npos);
    if (up.metadata.contains("tags") && !up.metadata["tags"].is_null()) {
        if (auto e = check_tags(up.metadata["tags"])) return e;
    }
    if (up.metadata.contains("bindings")) {
        if (!up.metadata["bindings"].is_array()) return err(400, 10021, "metadata.bindings must be an array");
        for (auto& b : up.metadata["bindings"]) {
            if (!b.is_object() || !b.contains("type") || !b["type"].is_string() || !b.contains("name") ||
                !b["name"].is_string())
                return err(400, 10021, "each binding needs a string type and name");
            if ((b["type"] == "secret_text" || b["type"] == "plain_text") &&
                (!b.contains("text") || !b["text"].is_string()))
                return err(400, 10021, "binding " + quoted(b["name"].get<std::string>()) + " needs a string text");
        }
    }
    if (up.metadata.contains("compatibility_flags") && !up.metadata["compatibility_flags"].is_array())
        return err(400, 10021, "metadata.compatibility_flags must be an array");
    if (up.metadata.contains("compatibility_date") && !up.metadata["compatibility_date"].is_string())
        return err(400, 10021, "metadata.compatibility_date must be a string");
    return std::nullopt;
}

// sha256_hex(data), taken from prepare_body's digests when it hashed these bytes already.
std::string sha256_of(const Ctx& c, const std::string& data) {
    for (auto& [held, hex] : c.pre.sha256)
        if (held->size() == data.size() && (held->data() == data.data() || *held == data)) return hex;
    return sha256_hex(data);
}

// parse_upload(c, up, true), or its result from prepare_body.
std::optional<HttpResponse> take_upload(Ctx& c, Upload& up) {
    if (!c.pre.upload_parsed) return parse_upload(c, up, true);
    up = std::move(c.pre.upload);
    c.pre.upload_parsed = false;
    return c.pre.upload_error;
}

// serialize_modules(up.modules), or prepare_body's (the modules of an upload are not changed after parsing).
std::string modules_blob(Ctx& c, const Upload& up) {
    if (c.pre.modules_blob) return *c.pre.modules_blob;
    return serialize_modules(up.modules);
}

json module_list(const Upload& up) {
    json out = json::array();
    for (auto& m : up.modules) out.push_back({{"name", m.name}, {"content_type", m.content_type}});
    return out;
}

HttpResponse ok_messages(json result, json messages) {
    json e = Api::envelope(std::move(result));
    e["messages"] = std::move(messages);
    return json_response(200, e);
}

// What a script's last_deployed_from says: "wrangler" for uploads by wrangler (its User-Agent), else "api".
std::string deployed_from(const Ctx& c) {
    return starts_with(c.header("user-agent"), "wrangler/") ? "wrangler" : "api";
}

// Storage that an upload's bindings name and that does not exist here is created, with the id or name the
// binding gives: a project whose config names KV namespace ids, R2 buckets or D1 database ids of a Cloudflare
// account deploys to the local platform unchanged. (Cloudflare refuses a binding to a KV namespace that does
// not exist with code 10041; this is a deliberate difference, see README.md.) Each creation is reported in
// `messages` ({code: 10000 + n, message}) so that clients can say so.
std::optional<HttpResponse> provision_bindings(Ctx& c, const json& md, const std::string& script, json& messages) {
    if (!md.contains("bindings") || !md["bindings"].is_array()) return std::nullopt;
    auto note = [&](const std::string& m) { messages.push_back({{"code", 10000}, {"message", m}}); };
    for (const auto& b : md["bindings"]) {
        const std::string type = b.value("type", std::string());
        const std::string name = b.value("name", std::string());
        if (type == "kv_namespace") {
            if (!b.contains("namespace_id") || !b["namespace_id"].is_string()) continue;  // wrangler may provision
            std::string id = b["namespace_id"].get<std::string>();
            if (id.empty() || id.size() > 64 || !valid_utf8(id))
                return err(400, 10021, "binding " + quoted(name) + ": namespace_id " + quoted(id) + " is not valid");
            if (c.store.get(K_KVNS, account_of(c), id)) continue;
            std::string title = script + "-" + name;
            for (auto& o : c.store.list(K_KVNS, account_of(c)))
                if (o.doc.value("title", std::string()) == title) title += "-" + id.substr(0, 8);
            c.store.put(K_KVNS, account_of(c), id, {{"id", id}, {"title", title}, {"supports_url_encoding", true}});
            note("created KV namespace " + id + " (title " + quoted(title) + ") for binding " + name);
        } else if (type == "r2_bucket") {
            if (!b.contains("bucket_name") || !b["bucket_name"].is_string()) continue;
            std::string bucket = b["bucket_name"].get<std::string>();
            if (!valid_bucket_name(bucket))
                return err(400, 10021, "binding " + quoted(name) + ": bucket name " + quoted(bucket) + " is not valid");
            if (c.store.get(K_R2, account_of(c), bucket)) continue;
            c.store.put(K_R2, account_of(c), bucket, r2_bucket_doc(bucket, "enam", "Standard", "default"));
            note("created R2 bucket " + bucket + " for binding " + name);
        } else if (type == "d1") {
            std::string id = b.contains("id") && b["id"].is_string() ? b["id"].get<std::string>() : std::string();
            if (id.empty()) continue;
            if (!valid_d1_id(id))
                return err(400, 10021, "binding " + quoted(name) + ": database id " + quoted(id) + " is not valid");
            if (c.store.get(K_D1, account_of(c), id)) continue;
            std::string db_name = to_lower(script + "-" + name);
            for (auto& ch : db_name)
                if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) ch = '-';
            for (auto& o : c.store.list(K_D1, account_of(c)))
                if (o.doc.value("name", std::string()) == db_name) db_name += "-" + to_lower(id.substr(0, 8));
            c.store.put(K_D1, account_of(c), id, d1_database_doc(id, db_name));
            note("created D1 database " + id + " (name " + quoted(db_name) + ") for binding " + name);
        }
    }
    return std::nullopt;
}

json handlers_of(const Ctx& c) {
    return c.pre.handlers.is_array() ? c.pre.handlers : json::array({"fetch"});
}

json named_handlers_of(const Ctx& c) {
    return c.pre.named_handlers.is_array() ? c.pre.named_handlers : json::array();
}

std::optional<HttpResponse> check_upload(Ctx& c, bool content_only) {
    const Upload& up = c.pre.upload;
    if (up.modules.empty()) return std::nullopt;  // an assets-only worker: no code
    ScriptCheck sc;
    sc.script = c.p["script"];
    if (c.p.count("ns")) sc.ns = c.p["ns"];
    sc.main = up.main;
    sc.has_modules = up.has_modules;
    sc.modules = up.modules;
    json settings = up.metadata;
    if (content_only) {
        std::string hdr_main = c.header("cf-worker-main-module-part");
        std::string hdr_body = c.header("cf-worker-body-part");
        if (!hdr_main.empty()) sc.main = hdr_main, sc.has_modules = true;
        if (!hdr_body.empty()) sc.main = hdr_body, sc.has_modules = false;
        // The script's settings and secrets, in a short read transaction of their own (the handler answers
        // 404 when there is no such script).
        bool found = false;
        c.store.transaction(false, [&] {
            Scope s;
            if (resolve_scope(c, s)) return false;
            auto o = c.store.get(s.kind, s.parent, s.script);
            if (!o) return false;
            found = true;
            settings = o->doc.value("settings", json::object());
            if (!settings.contains("bindings") || !settings["bindings"].is_array())
                settings["bindings"] = json::array();
            for (auto& sec : c.store.list(K_SECRET, s.secrets_parent(), false)) settings["bindings"].push_back(sec.doc);
            return false;
        });
        if (!found) return std::nullopt;
    }
    if (settings.contains("compatibility_date") && settings["compatibility_date"].is_string())
        sc.compatibility_date = settings["compatibility_date"].get<std::string>();
    if (settings.contains("compatibility_flags") && settings["compatibility_flags"].is_array())
        for (auto& f : settings["compatibility_flags"])
            if (f.is_string()) sc.compatibility_flags.push_back(f.get<std::string>());
    if (settings.contains("bindings") && settings["bindings"].is_array()) sc.bindings = settings["bindings"];
    CheckVerdict v = c.validator->check(sc);
    c.pre.handlers = v.handlers;
    c.pre.named_handlers = v.named_handlers;
    c.pre.startup_time_ms = v.startup_time_ms;
    if (v.ok) return std::nullopt;
    return err(400, 10021, v.message);
}

std::optional<HttpResponse> check_service_bindings(Ctx& c, const json& md, const Scope& s) {
    if (!md.contains("bindings") || !md["bindings"].is_array()) return std::nullopt;
    for (const auto& b : md["bindings"]) {
        if (b.value("type", std::string()) != "service") continue;
        const std::string target = b.value("service", std::string());
        if (s.kind == K_WS && target == s.script) continue;  // a worker may bind to itself, on its first upload too
        if (c.store.get(K_WS, account_of(c), target)) continue;
        return err(400, 10143,
                   "Service binding '" + b.value("name", std::string()) + "' references Worker '" + target +
                       "' which was not found. Verify the Worker exists in your account and that the service name "
                       "in your configuration is correct.");
    }
    return std::nullopt;
}

namespace {

// Writes a script from an upload, with its tags and secrets, in the caller's transaction.
json store_upload(Ctx& c, const Scope& s, Upload& up, std::optional<StoredObject> prev) {
    std::string now = now_iso();
    std::string blob = modules_blob(c, up);
    json& md = up.metadata;
    json prev_settings = prev ? prev->doc.value("settings", json::object()) : json::object();
    std::set<std::string> keep;
    if (md.contains("keep_bindings") && md["keep_bindings"].is_array())
        for (auto& k : md["keep_bindings"])
            if (k.is_string()) keep.insert(k.get<std::string>());

    json bindings = json::array();
    std::set<std::string> names;
    std::vector<json> secrets;
    if (md.contains("bindings"))
        for (auto& b : md["bindings"]) {
            names.insert(b["name"].get<std::string>());
            if (b["type"] == "secret_text" || b["type"] == "secret_key") {
                secrets.push_back(b);
            } else {
                bindings.push_back(b);
            }
        }
    for (auto& b : prev_settings.value("bindings", json::array()))
        if (b.is_object() && keep.count(b.value("type", std::string())) && !names.count(b.value("name", std::string())))
            bindings.push_back(b);

    const std::string sp = s.secrets_parent();
    if (!keep.count("secret_text") && !keep.count("secret_key")) {
        c.store.erase_all(K_SECRET, sp);
    }
    for (auto& b : secrets) {
        const std::string name = b["name"].get<std::string>();
        c.store.put(K_SECRET, sp, name, secret_doc(name, b));
    }

    json tags = json::array();
    if (md.contains("tags") && md["tags"].is_array()) {
        tags = unique_tags(md["tags"]);
    } else if (prev) {
        tags = prev->doc["script"].value("tags", json::array());
    }

    json settings{{"bindings", bindings},
                  {"compatibility_date", md.value("compatibility_date", std::string())},
                  {"compatibility_flags", md.value("compatibility_flags", json::array())},
                  {"limits", md.value("limits", json::object())},
                  {"logpush", md.value("logpush", false)},
                  {"observability", md.value("observability", json{{"enabled", false}})},
                  {"placement", md.value("placement", json::object())},
                  {"tail_consumers", md.value("tail_consumers", json::array())}};
    // usage_model only when the client set it (the schema's pattern predates "standard").
    if (md.contains("usage_model")) settings["usage_model"] = md["usage_model"];
    if (md.contains("migrations")) settings["migrations"] = md["migrations"];

    json script{{"id", s.script},
                {"etag", sha256_of(c, blob)},
                {"handlers", handlers_of(c)},
                {"named_handlers", named_handlers_of(c)},
                {"created_on", prev ? prev->doc["script"].value("created_on", now) : now},
                {"modified_on", now},
                {"compatibility_date", settings["compatibility_date"]},
                {"compatibility_flags", settings["compatibility_flags"]},
                {"has_modules", up.has_modules},
                {"has_assets", false},
                {"logpush", settings["logpush"]},
                {"tags", tags},
                {"tail_consumers", settings["tail_consumers"]},
                {"observability", settings["observability"]},
                {"last_deployed_from", deployed_from(c)}};
    if (settings.contains("usage_model")) script["usage_model"] = settings["usage_model"];
    // The Durable Object migration tag the script is at: the newest applied migration (kept across uploads).
    std::string mtag = prev ? prev->doc["script"].value("migration_tag", std::string()) : std::string();
    if (md.contains("migrations") && md["migrations"].is_object()) mtag = md["migrations"].value("new_tag", mtag);
    if (!mtag.empty()) script["migration_tag"] = mtag;
    json doc{{"script", script},
             {"settings", settings},
             {"modules", module_list(up)},
             {"main", up.main},
             {"version_count", prev ? prev->doc.value("version_count", 0) : 0}};
    // Triggers belong to the script, not to an upload: they survive a new upload. Static assets survive only
    // with keep_assets (an upload with `assets` replaces them: script_upload).
    if (prev)
        for (const char* k : {"schedules", "subdomain", "routes"})
            if (prev->doc.contains(k)) doc[k] = prev->doc[k];
    if (prev && md.value("keep_assets", false) && prev->doc.contains("assets")) {
        doc["assets"] = prev->doc["assets"];
        doc["script"]["has_assets"] = true;
        script["has_assets"] = true;
    }
    c.store.put(s.kind, s.parent, s.script, doc, blob);
    json r = script;
    r["startup_time_ms"] = c.pre.startup_time_ms;
    return r;
}

}  // namespace

HttpResponse script_upload(Ctx& c) {
    Scope s;
    if (auto e = resolve_scope(c, s)) return *e;
    if (s.kind == K_WS && !valid_account_script_name(s.script))
        return err(400, 10016,
                   "script name " + quoted(s.script) + " is invalid: use a-z, 0-9, - and _ (^[a-z0-9_][a-z0-9-_]*$)");
    if (s.kind == K_NSS && (s.script.empty() || s.script.size() > 63))
        return err(400, 10016, "script name " + quoted(s.script) + " must be 1 to 63 characters");
    Upload up;
    if (auto e = take_upload(c, up)) return *e;
    if (auto e = check_service_bindings(c, up.metadata, s)) return *e;
    json messages = json::array();
    if (auto e = provision_bindings(c, up.metadata, s.script, messages)) return *e;
    json assets;
    if (up.metadata.contains("assets"))
        if (auto e = take_upload_assets(c, s, up.metadata, assets)) return *e;
    auto prev = c.store.get(s.kind, s.parent, s.script);
    json r = store_upload(c, s, up, prev);
    if (!assets.is_null()) {
        auto stored = c.store.get(s.kind, s.parent, s.script);
        json doc = stored->doc;
        doc["assets"] = assets;
        doc["script"]["has_assets"] = true;
        c.store.put(s.kind, s.parent, s.script, doc, stored->blob);
        r["has_assets"] = true;
    }
    if (s.kind == K_WS) {
        auto stored = c.store.get(s.kind, s.parent, s.script);
        json doc = stored->doc;
        json v = make_version(c, s.script, doc, stored->blob, up.metadata, deployed_from(c));
        record_version_content(c, s.script, v["id"].get<std::string>(), up, doc["settings"]);
        make_deployment(c, s.script, json::array({{{"version_id", v["id"]}, {"percentage", 100}}}),
                        up.metadata.value("annotations", json::object()), deployed_from(c));
        c.store.put(s.kind, s.parent, s.script, doc, stored->blob);
        r["deployment_id"] = v["id"];  // as Cloudflare answers: the id of the version now deployed
    }
    return ok_messages(std::move(r), std::move(messages));
}

}  // namespace v4

}  // namespace tenantctl::platform
