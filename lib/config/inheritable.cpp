// Values of top-level-only and inheritable fields: the worker name, dates, paths, routes, triggers, limits,
// build, placement, observability, migrations and `dev`. Simple fields are checked by their fields::Type.
#include <algorithm>

#include "config/normalizer.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace tenantctl::config::detail {

namespace {

bool valid_worker_name(const std::string& s) {
    if (s.empty()) return true;
    auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; };
    if (!ok_first(s[0])) return false;
    for (char c : s)
        if (!(ok_first(c) || c == '-')) return false;
    return true;
}

}  // namespace

json Normalizer::top_level_only(const Node& root) {
    json out = json::object();
    for (const fields::Field& field : fields::k_fields) {
        if (field.kind != fields::Kind::TopLevelOnly) continue;
        const std::string f(field.key);
        if (f == "dev") {
            out["dev"] = normalize_dev(root.find("dev"));
            continue;
        }
        const Node* m = root.find(f);
        if (!m || f == "env") continue;  // env: the run selects and checks it
        if (f == "$schema") {
            expect(*m, f, f, "string");  // validated, not kept
            continue;
        }
        if (!expect_type(field, *m, f)) continue;
        if (field.type == fields::Type::Boolean)
            out[f] = m->b;
        else if (field.type == fields::Type::Path)
            out[f] = resolve(m->s);
        else
            out[f] = m->to_json();
    }
    return out;
}

json Normalizer::normalize_dev(const Node* v) {
    json dev = {{"ip", "localhost"},
                {"local_protocol", "http"},
                {"upstream_protocol", "http"},
                {"enable_containers", true},
                {"generate_types", false}};
    if (!v) return dev;
    if (!expect(*v, "dev", "dev", "object")) return dev;
    unknown_fields(*v,
                   {"ip", "port", "inspector_port", "inspector_ip", "local_protocol", "upstream_protocol", "host",
                    "enable_containers", "container_engine", "generate_types"},
                   "dev", "dev.");
    for (const auto& m : v->items) dev[m.key] = m.to_json();
    return dev;
}

void Normalizer::validate_name(const Node& v, const std::string& path) {
    if (m_o.dispatch_namespace) {
        expect(v, "name", path, "string");
        return;
    }
    if (!v.is_string() || !valid_worker_name(v.s)) {
        std::string hint;
        if (v.is_string()) {
            std::string fixed;
            for (char c : to_lower(v.s)) fixed += (c == ' ' || c == '.') ? '-' : c;
            if (valid_worker_name(fixed))
                hint = "try " + q(fixed) + " (worker names are lowercase letters, digits, - and _)";
        }
        error(v.pos, path,
              "Expected \"name\" to be of type string, alphanumeric and lowercase with dashes only but got " +
                  v.js_stringify() + ".",
              hint);
    }
}

// Validates one inheritable field written in this section and returns its normalized value
// (nullopt = treat as not set).
std::optional<json> Normalizer::inheritable_value(const fields::Field& field, const Node& v, const std::string& P) {
    const std::string f(field.key);
    const std::string path = P + f;
    if (field.type != fields::Type::Custom) {
        bool ok = expect_type(field, v, path);
        if (ok && field.type == fields::Type::Path) return json(resolve(v.s));
        return v.to_json();
    }
    if (f == "account_id") {
        if (!expect(v, f, path, "string")) return v.to_json();
        if (v.s.empty()) {
            warning(v.pos, path,
                    "The \"account_id\" field in your configuration is an empty string and will be ignored.\n"
                    "Please remove the \"account_id\" field from your configuration.");
            return std::nullopt;
        }
        return v.to_json();
    }
    if (f == "compatibility_date") {
        if (!expect(v, f, path, "string")) return v.to_json();
        if (v.s.find("\xE2\x80\x93") != std::string::npos || v.s.find("\xE2\x80\x94") != std::string::npos) {
            error(v.pos, path,
                  "\"compatibility_date\" field should use ISO-8601 accepted hyphens (-) rather than en-dashes (–) "
                  "or "
                  "em-dashes (—).");
        } else if (!js_date_is_valid(v.s)) {
            error(v.pos, path,
                  "\"compatibility_date\" field should be a valid ISO-8601 date (YYYY-MM-DD), but got " + q(v.s) + ".",
                  "for example \"2025-06-01\"");
        }
        return v.to_json();
    }
    if (f == "compatibility_flags") {
        expect_string_array(v, f, path);
        return v.to_json();
    }
    if (f == "route") {
        validate_route(v, f, path);
        return v.to_json();
    }
    if (f == "routes") {
        if (expect(v, f, path, "array"))
            for (size_t i = 0; i < v.items.size(); ++i)
                validate_route(v.items[i], "routes[" + std::to_string(i) + "]", path + "[" + std::to_string(i) + "]");
        return v.to_json();
    }
    if (f == "migrations") {
        validate_migrations(v, path);
        return v.to_json();
    }
    if (f == "triggers") {
        if (expect(v, f, path, "object")) {
            if (const Node* c = v.find("crons")) expect(*c, "triggers.crons", {path, ".crons"}, "array");
            unknown_fields(v, {"crons", "events"}, "triggers", {path, "."});
        }
        return v.to_json();
    }
    if (f == "limits") {
        if (expect(v, f, path, "object")) {
            for (const char* k : {"cpu_ms", "subrequests"})
                if (const Node* n = v.find(k)) expect(*n, std::string("limits.") + k, path + "." + k, "number");
        }
        return v.to_json();  // unknown keys are kept silently, like wrangler
    }
    if (f == "build") return normalize_build(v, path);
    if (f == "placement") {
        if (expect(v, f, path, "object")) {
            if (const Node* mode = v.find("mode")) {
                if (!mode->is_string() || (mode->s != "off" && mode->s != "smart" && mode->s != "targeted"))
                    error(mode->pos, path + ".mode",
                          "\"placement.mode\" field should be one of \"off\", \"smart\" or \"targeted\", but got " +
                              mode->js_stringify() + ".");
            } else if (!v.find("region") && !v.find("host") && !v.find("hostname")) {
                error(v.pos, path,
                      "\"placement\" needs a \"mode\" (\"off\" or \"smart\"), or a \"region\", \"host\" or "
                      "\"hostname\".");
            }
            unknown_fields(v, {"mode", "hint", "region", "host", "hostname"}, "placement", {path, "."});
        }
        return v.to_json();
    }
    if (f == "observability") {
        if (expect(v, f, path, "object")) validate_observability(v, path);
        return v.to_json();
    }
    return v.to_json();
}

void Normalizer::validate_route(const Node& v, const std::string& field, const std::string& path) {
    bool ok = v.is_string() || (v.is_object() && v.find("pattern") && v.find("pattern")->is_string());
    if (!ok) {
        error(v.pos, path,
              "Expected " + q(field) +
                  " to be either a string, or an object with shape { pattern, custom_domain, zone_id | zone_name "
                  "}, but got " +
                  v.js_stringify() + ".");
    }
}

json Normalizer::normalize_build(const Node& v, const std::string& path) {
    json out = json::object();
    if (!expect(v, "build", path, "object")) return *field_default(*fields::find("build"));
    unknown_fields(v, {"command", "cwd", "watch_dir"}, "build", {path, "."});
    if (const Node* c = v.find("command"); c && expect(*c, "build.command", {path, ".command"}, "string"))
        out["command"] = c->s;
    if (const Node* c = v.find("cwd"); c && expect(*c, "build.cwd", {path, ".cwd"}, "string")) out["cwd"] = c->s;
    if (const Node* w = v.find("watch_dir")) {
        if (w->is_string()) {
            out["watch_dir"] = resolve(w->s);
        } else if (w->is_array() &&
                   std::all_of(w->items.begin(), w->items.end(), [](const Node& e) { return e.is_string(); })) {
            json a = json::array();
            for (const auto& e : w->items) a.push_back(resolve(e.s));
            out["watch_dir"] = a;
        } else {
            error(
                w->pos, path + ".watch_dir",
                "Expected \"build.watch_dir\" to be of type string or string array but got " + w->js_stringify() + ".");
        }
    } else {
        out["watch_dir"] = resolve("./src");
    }
    return out;
}

void Normalizer::validate_observability(const Node& v, const std::string& path) {
    // Unknown fields anywhere below `observability` are reported as fields of "observability".
    unknown_fields(v, {"enabled", "head_sampling_rate", "logs", "traces"}, "observability", {path, "."});
    if (const Node* e = v.find("enabled")) expect(*e, "observability.enabled", {path, ".enabled"}, "boolean");
    if (const Node* h = v.find("head_sampling_rate"))
        expect(*h, "observability.head_sampling_rate", {path, ".head_sampling_rate"}, "number");
    for (const char* sub : {"logs", "traces"}) {
        const Node* s = v.find(sub);
        if (!s) continue;
        std::string sp = path + "." + sub;
        std::string sf = std::string("observability.") + sub;
        if (!expect(*s, sf, sp, "object")) continue;
        std::vector<std::string> known = {"enabled", "head_sampling_rate", "persist", "destinations"};
        if (std::string(sub) == "logs") known.push_back("invocation_logs");
        unknown_fields(*s, known, "observability", {sp, "."});
        for (const char* b : {"enabled", "invocation_logs", "persist"})
            if (const Node* n = s->find(b)) expect(*n, sf + "." + b, sp + "." + b, "boolean");
        if (const Node* n = s->find("head_sampling_rate"))
            expect(*n, sf + ".head_sampling_rate", {sp, ".head_sampling_rate"}, "number");
        if (const Node* n = s->find("destinations"))
            expect_string_array(*n, sf + ".destinations", sp + ".destinations");
    }
}

void Normalizer::validate_migrations(const Node& v, const std::string& path) {
    if (!v.is_array()) {
        error(v.pos, path, "The field \"migrations\" should be an array but got " + v.js_stringify() + ".");
        return;
    }
    for (size_t i = 0; i < v.items.size(); ++i) {
        const Node& m = v.items[i];
        std::string field = "migrations[" + std::to_string(i) + "]";
        std::string p = path + "[" + std::to_string(i) + "]";
        if (!m.is_object()) {
            error(m.pos, p, "Expected " + q(field) + " to be of type object but got " + m.js_stringify() + ".");
            continue;
        }
        if (const Node* t = m.find("tag")) {
            expect(*t, field + ".tag", {p, ".tag"}, "string");
        } else {
            error(m.pos, p + ".tag", q(field + ".tag") + " is a required field.", "add a tag such as \"v1\"");
        }
        for (const char* k : {"new_classes", "new_sqlite_classes", "deleted_classes"})
            if (const Node* n = m.find(k)) expect_string_array(*n, field + "." + k, p + "." + k);
        for (const char* k : {"renamed_classes", "transferred_classes"}) {
            const Node* n = m.find(k);
            if (!n) continue;
            bool ok = n->is_array();
            if (ok)
                for (const auto& e : n->items) {
                    const Node* from = e.is_object() ? e.find("from") : nullptr;
                    const Node* to = e.is_object() ? e.find("to") : nullptr;
                    if (!from || !from->is_string() || !to || !to->is_string()) ok = false;
                }
            if (!ok)
                error(n->pos, p + "." + k,
                      "Expected " + q(field + "." + k) +
                          " to be an array of {from: string, to: string} objects but got " + n->js_stringify() + ".");
        }
        unknown_fields(
            m,
            {"tag", "new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes", "transferred_classes"},
            field, p + ".");
    }
}

}  // namespace tenantctl::config::detail
