// Values of non-inheritable fields: vars, define, secrets, Durable Objects, queues and the binding arrays (KV,
// R2, D1, services, dispatch namespaces, tail consumers, …); binding names unique across every kind; the
// warning for Durable Objects without an `exports` entry.
#include <algorithm>
#include <unordered_set>

#include "config/normalizer.hpp"
#include "core/strings.hpp"

namespace tenantctl::config::detail {

namespace {

bool valid_bucket_name(const std::string& s) {
    if (s.size() < 3 || s.size() > 63) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!(alnum(c) || c == '-')) return false;
    return true;
}

// One binding name of a section, for the uniqueness check. The diagnostic path is only built for duplicates.
struct BindingName {
    std::string_view name;
    const char* type;
    Pos pos;
    const char* field;  // "kv_namespaces", "vars", …
    const char* sub;    // nested array ("bindings" of durable_objects) or nullptr
    const char* key;    // "binding" / "name", or nullptr for vars (the name is the key)
    long index;         // array index, or -1 when the field is an object
    std::string path(const std::string& prefix) const {
        std::string out = prefix + field;
        if (sub) out += std::string(".") + sub;
        if (index >= 0) out += "[" + std::to_string(index) + "]";
        out += ".";
        out += key ? std::string_view(key) : name;
        return out;
    }
};

// binding_array's common case: an entry with nothing to report, checked without building a string.
bool all_known(const Node& obj, const std::vector<std::string>& known) {
    if (known.empty()) return true;
    for (const auto& m : obj.items)
        if (!contains(known, m.key)) return false;
    return true;
}
bool required_ok(const Node& obj, const std::vector<std::string>& required) {
    for (const auto& r : required)
        if (const Node* n = obj.find(r); !n || !n->is_string()) return false;
    return true;
}
bool optional_ok(const Node& obj, const std::vector<std::string>& optional_strings) {
    for (const auto& o : optional_strings)
        if (const Node* n = obj.find(o); n && !n->is_string()) return false;
    return true;
}
bool nonempty_ok(const Node& obj, const std::vector<std::string>& nonempty) {
    for (const auto& o : nonempty)
        if (const Node* n = obj.find(o); n && n->is_string() && n->s.empty()) return false;
    return true;
}

}  // namespace

// ---- non-inheritable values
json Normalizer::non_inheritable_value(const fields::Field& field, const Node& v, const SectionCtx& sc) {
    const std::string f(field.key);
    const std::string path = sc.prefix + f;
    if (field.type != fields::Type::Custom) {
        expect_type(field, v, path);
        return v.to_json();
    }
    if (f == "vars") {
        if (!v.is_object()) {
            error(v.pos, path, "The field \"vars\" should be an object but got " + v.js_stringify() + ".");
            return json::object();
        }
        // TOML dates and times (only the vars' own values; nested ones are kept as text).
        for (const auto& m : v.items)
            if (m.kind == Node::Kind::Date)
                error(m.pos, path + "." + m.key,
                      "The field " + q(path + "." + m.key) +
                          " is a TOML date, which is not supported. Please use a string instead, e.g. " + m.key +
                          " = \"2025-12-19\".",
                      "quote the value: " + m.key + " = " + q(m.s));
        if (sc.env && sc.raw_top) {
            const Node* top_vars = sc.raw_top->find("vars");
            if (top_vars && top_vars->is_object()) {
                std::string missing;
                for (const auto& m : top_vars->items)
                    if (!v.find(m.key)) missing += "\n- " + m.key;
                if (!missing.empty()) {
                    std::string where = "env." + *sc.env + ".vars";
                    warning(v.pos, path,
                            "The following vars exist at the top level, but not on " + q(where) +
                                ".\nThis is probably not what you want, since \"vars\" configuration is not "
                                "inherited by "
                                "environments.\nPlease add these vars to " +
                                q(where) + ":" + missing);
                }
            }
        }
        return v.to_json();
    }
    if (f == "define") {
        if (!v.is_object()) {
            error(v.pos, path, "The field \"define\" should be an object but got " + v.js_stringify() + ".");
            return json::object();
        }
        for (const auto& m : v.items)
            if (!m.is_string())
                error(m.pos, path + "." + m.key,
                      "The field \"define." + m.key + "\" should be a string but got " + m.js_stringify() + ".",
                      "define values are JavaScript source text, e.g. \"'1.2.3'\" for a string");
        return v.to_json();
    }
    if (f == "secrets") {
        if (expect(v, f, path, "object")) {
            if (const Node* r = v.find("required")) expect_string_array(*r, "secrets.required", path + ".required");
            unknown_fields(v, {"required"}, "secrets", {path, "."});
        }
        return v.to_json();
    }
    if (f == "durable_objects") {
        if (!expect(v, f, path, "object")) return {{"bindings", json::array()}};
        unknown_fields(v, {"bindings", "code_update_strategy"}, "durable_objects", {path, "."});
        json out = v.to_json();
        if (const Node* b = v.find("bindings")) {
            if (expect(*b, "durable_objects.bindings", {path, ".bindings"}, "array")) {
                for (size_t i = 0; i < b->items.size(); ++i) {
                    const Node& e = b->items[i];
                    std::string field = "durable_objects.bindings[" + std::to_string(i) + "]";
                    std::string p = path + ".bindings[" + std::to_string(i) + "]";
                    if (!e.is_object()) {
                        error(e.pos, p, "Expected " + q(field) + " to be an object but got " + e.js_stringify() + ".");
                        continue;
                    }
                    for (const char* k : {"name", "class_name"}) {
                        const Node* n = e.find(k);
                        if (!n || !n->is_string())
                            error(n ? n->pos : e.pos, p + "." + k,
                                  q(field) + " bindings should have a string " + q(k) + " field but got " +
                                      e.js_stringify() + ".");
                    }
                    for (const char* k : {"script_name", "environment"})
                        if (const Node* n = e.find(k)) expect(*n, field + "." + k, p + "." + k, "string");
                    unknown_fields(e, {"name", "class_name", "script_name", "environment"}, field, {p, "."});
                }
            }
        } else {
            out["bindings"] = json::array();
        }
        return out;
    }
    if (f == "containers") return normalize_containers(v, sc);
    if (f == "kv_namespaces") {
        binding_array(v, f, path, {"binding", "id", "preview_id", "remote"}, {"binding"}, {"id", "preview_id"}, {"id"});
        return v.to_json();
    }
    if (f == "r2_buckets") {
        if (binding_array(v, f, path,
                          {"binding", "bucket_name", "preview_bucket_name", "jurisdiction", "remote", "local_dev"},
                          {"binding"}, {"bucket_name", "preview_bucket_name", "jurisdiction"})) {
            for (size_t i = 0; i < v.items.size(); ++i) {
                const Node* b = v.items[i].find("bucket_name");
                if (b && b->is_string() && !valid_bucket_name(b->s)) {
                    std::string field = f + "[" + std::to_string(i) + "].bucket_name";
                    error(b->pos, path + "[" + std::to_string(i) + "].bucket_name",
                          field + "=" + q(b->s) +
                              " is invalid. Bucket names must begin and end with an alphanumeric character, only "
                              "contain lowercase letters, numbers, and hyphens, and be between 3 and 63 characters "
                              "long.");
                }
            }
        }
        return v.to_json();
    }
    if (f == "d1_databases") {
        binding_array(v, f, path,
                      {"binding", "database_id", "database_name", "preview_database_id", "migrations_table",
                       "migrations_dir", "migrations_pattern", "database_internal_env", "remote"},
                      {"binding"},
                      {"database_id", "database_name", "preview_database_id", "migrations_table", "migrations_dir"});
        return v.to_json();
    }
    if (f == "services") {
        binding_array(v, f, path, {"binding", "service", "entrypoint", "props", "environment", "remote"},
                      {"binding", "service"}, {"entrypoint", "environment"});
        return v.to_json();
    }
    if (f == "dispatch_namespaces") {
        if (binding_array(v, f, path, {"binding", "namespace", "outbound", "remote"}, {"binding"}, {"namespace"})) {
            for (size_t i = 0; i < v.items.size(); ++i) {
                const Node* o = v.items[i].find("outbound");
                if (!o) continue;
                std::string p = path + "[" + std::to_string(i) + "].outbound";
                std::string field = f + "[" + std::to_string(i) + "].outbound";
                if (!expect(*o, field, p, "object")) continue;
                const Node* s = o->find("service");
                if (!s || !s->is_string())
                    error(s ? s->pos : o->pos, p + ".service",
                          q(field) + " should have a string \"service\" field but got " + o->js_stringify() + ".");
                if (const Node* e = o->find("environment"))
                    expect(*e, field + ".environment", {p, ".environment"}, "string");
                if (const Node* pr = o->find("parameters"))
                    expect_string_array(*pr, field + ".parameters", p + ".parameters");
                unknown_fields(*o, {"service", "environment", "parameters"}, field, {p, "."});
            }
        }
        return v.to_json();
    }
    if (f == "tail_consumers" || f == "streaming_tail_consumers") {
        if (expect(v, f, path, "array")) {
            for (size_t i = 0; i < v.items.size(); ++i) {
                const Node& e = v.items[i];
                std::string field = f + "[" + std::to_string(i) + "]";
                std::string p = path + "[" + std::to_string(i) + "]";
                if (!e.is_object()) {
                    error(e.pos, p, "Expected " + q(field) + " to be an object but got " + e.js_stringify() + ".");
                    continue;
                }
                const Node* s = e.find("service");
                if (!s)
                    error(e.pos, p + ".service", q(field + ".service") + " is a required field.");
                else
                    expect(*s, field + ".service", {p, ".service"}, "string");
                if (const Node* en = e.find("environment"))
                    expect(*en, field + ".environment", {p, ".environment"}, "string");
                unknown_fields(e, {"service", "environment"}, field, {p, "."});
            }
        }
        return v.to_json();
    }
    if (f == "unsafe") {
        if (expect(v, f, path, "object"))
            warning(v.pos, path, "\"unsafe\" fields are experimental and may change or break at any time.");
        return v.is_object() ? v.to_json() : json::object();
    }
    if (f == "queues") {
        if (!expect(v, f, path, "object")) return {{"producers", json::array()}, {"consumers", json::array()}};
        unknown_fields(v, {"producers", "consumers"}, "queues", {path, "."});
        json out = v.to_json();
        if (const Node* p = v.find("producers")) {
            binding_array(*p, "queues.producers", path + ".producers", {}, {"binding", "queue"}, {});
        } else {
            out["producers"] = json::array();
        }
        if (const Node* c = v.find("consumers")) {
            if (expect(*c, "queues.consumers", {path, ".consumers"}, "array"))
                for (size_t i = 0; i < c->items.size(); ++i) {
                    const Node& e = c->items[i];
                    const Node* qn = e.is_object() ? e.find("queue") : nullptr;
                    if (!qn || !qn->is_string())
                        error(qn ? qn->pos : e.pos, path + ".consumers[" + std::to_string(i) + "].queue",
                              "\"queues.consumers[" + std::to_string(i) +
                                  "]\" should have a string \"queue\" field but got " + e.js_stringify() + ".");
                }
        } else {
            out["consumers"] = json::array();
        }
        return out;
    }
    return v.to_json();
}

// Checks an array of binding objects; returns false when `v` is not an array.
// Messages name the entry by its path ("env.staging.kv_namespaces[0]"), like wrangler. `nonempty`: optional
// string fields that must not be "" when given (wrangler: KV "id").
bool Normalizer::binding_array(const Node& v, const std::string& field, const std::string& path,
                               const std::vector<std::string>& known, const std::vector<std::string>& required,
                               const std::vector<std::string>& optional_strings,
                               const std::vector<std::string>& nonempty) {
    if (!v.is_array()) {
        error(v.pos, path, "The field " + q(field) + " should be an array but got " + v.js_stringify() + ".");
        return false;
    }
    for (size_t i = 0; i < v.items.size(); ++i) {
        const Node& e = v.items[i];
        if (e.is_object() && all_known(e, known) && required_ok(e, required) && optional_ok(e, optional_strings) &&
            nonempty_ok(e, nonempty))
            continue;  // the common case: nothing to report, no strings built
        std::string p = path + "[" + std::to_string(i) + "]";
        if (!e.is_object()) {
            error(
                e.pos, p,
                q(field + "[" + std::to_string(i) + "]") + " bindings should be objects, but got " + e.js_stringify());
            continue;
        }
        const std::string& f = p;
        for (const auto& r : required) {
            const Node* n = e.find(r);
            if (!n || !n->is_string()) {
                std::string hint;
                if (!n && r == "binding") {
                    for (const auto& m : e.items) {
                        std::string c = closest_match(m.key, {"binding"});
                        if (!c.empty()) hint = "did you mean \"binding\" instead of " + q(m.key) + "?";
                    }
                    if (hint.empty()) hint = "add binding = \"NAME\": the name the worker code uses";
                }
                error(n ? n->pos : e.pos, p + "." + r,
                      q(f) + " bindings should have a string " + q(r) + " field but got " + e.js_stringify() + ".",
                      hint);
            }
        }
        for (const auto& o : optional_strings) {
            const Node* n = e.find(o);
            if (n && n->is_string() && n->s.empty() && contains(nonempty, o))
                error(n->pos, p + "." + o,
                      q(f) + " bindings should have a string " + q(o) + " field but got " + e.js_stringify() + ".",
                      "an empty " + q(o) + " is not allowed: set it, or remove " + q(o));
            else if (n && !n->is_string())
                error(n->pos, p + "." + o,
                      q(f) + " bindings should" + (contains(nonempty, o) ? "" : ", optionally,") + " have a string " +
                          q(o) + " field but got " + e.js_stringify() + ".");
        }
        if (!known.empty()) unknown_fields(e, known, f, {p, "."});
    }
    return true;
}

// ---- cross-field checks
void Normalizer::unique_binding_names(const Node& raw, const std::string& P) {
    std::vector<BindingName> all;
    all.reserve(64);
    auto from_array = [&](const char* field, const char* key, const char* type) {
        const Node* a = raw.find(field);
        if (!a || !a->is_array()) return;
        for (size_t i = 0; i < a->items.size(); ++i) {
            const Node* n = a->items[i].is_object() ? a->items[i].find(key) : nullptr;
            if (n && n->is_string()) all.push_back({n->s, type, n->pos, field, nullptr, key, static_cast<long>(i)});
        }
    };
    auto from_nested = [&](const char* field, const char* sub, const char* key, const char* type) {
        const Node* o = raw.find(field);
        const Node* a = o && o->is_object() ? o->find(sub) : nullptr;
        if (!a || !a->is_array()) return;
        for (size_t i = 0; i < a->items.size(); ++i) {
            const Node* n = a->items[i].is_object() ? a->items[i].find(key) : nullptr;
            if (n && n->is_string()) all.push_back({n->s, type, n->pos, field, sub, key, static_cast<long>(i)});
        }
    };
    auto from_object = [&](const char* field, const char* type) {
        const Node* o = raw.find(field);
        const Node* n = o && o->is_object() ? o->find("binding") : nullptr;
        if (n && n->is_string()) all.push_back({n->s, type, n->pos, field, nullptr, "binding", -1});
    };
    from_nested("durable_objects", "bindings", "name", "Durable Object");
    from_array("kv_namespaces", "binding", "KV Namespace");
    from_array("send_email", "name", "Send Email");
    from_nested("queues", "producers", "binding", "Queue");
    from_array("d1_databases", "binding", "D1 Database");
    from_array("vectorize", "binding", "Vectorize Index");
    from_array("hyperdrive", "binding", "Hyperdrive Config");
    from_array("r2_buckets", "binding", "R2 Bucket");
    from_nested("logfwdr", "bindings", "name", "logfwdr");
    from_array("services", "binding", "Worker");
    from_array("analytics_engine_datasets", "binding", "Analytics Engine Dataset");
    from_object("browser", "Browser");
    from_object("ai", "AI");
    from_object("images", "Images");
    from_object("version_metadata", "Worker Metadata");
    from_nested("unsafe", "bindings", "name", "Unsafe Metadata");
    if (const Node* vars = raw.find("vars"); vars && vars->is_object())
        for (const auto& m : vars->items)
            all.push_back({m.key, "Environment Variable", m.key_pos, "vars", nullptr, nullptr, -1});
    from_array("dispatch_namespaces", "binding", "Dispatch Namespace");
    from_array("mtls_certificates", "binding", "mTLS Certificate");
    from_array("workflows", "binding", "Workflow");
    from_array("pipelines", "binding", "Pipeline");
    from_array("secrets_store_secrets", "binding", "Secrets Store Secret");
    from_array("ratelimits", "name", "Rate Limit");
    from_array("worker_loaders", "binding", "Worker Loader");
    from_array("vpc_services", "binding", "VPC Service");
    if (const Node* a = raw.find("assets"); a && a->is_object())
        if (const Node* b = a->find("binding"); b && b->is_string())
            all.push_back({b->s, "Assets", b->pos, "assets", nullptr, "binding", -1});
    if (all.size() < 2) return;
    {  // The common case, no name used twice, costs one hash pass.
        std::unordered_set<std::string_view> seen;
        seen.reserve(all.size() * 2);
        bool dup = false;
        for (const auto& b : all)
            if (!seen.insert(b.name).second) {
                dup = true;
                break;
            }
        if (!dup) return;
    }

    // Group equal names: sort indices by name (stable, so each group keeps the collection order above).
    std::vector<unsigned> order(all.size());
    for (unsigned k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned b) { return all[a].name < all[b].name; });
    auto before = [](const BindingName* a, const BindingName* b) {
        if (a->pos.line != b->pos.line) return a->pos.line < b->pos.line;
        return a->pos.column < b->pos.column;
    };
    struct Dup {
        const BindingName* first;              // first use in the file
        const BindingName* second;             // second use in the file (where the error points)
        std::vector<const BindingName*> list;  // every use, in collection order (for the type list)
    };
    std::vector<Dup> dups;
    for (size_t g = 0; g < order.size();) {
        size_t e = g + 1;
        while (e < order.size() && all[order[e]].name == all[order[g]].name) ++e;
        if (e - g >= 2) {
            Dup d;
            for (size_t k = g; k < e; ++k) d.list.push_back(&all[order[k]]);
            std::vector<const BindingName*> in_file = d.list;
            std::stable_sort(in_file.begin(), in_file.end(), before);
            d.first = in_file[0];
            d.second = in_file[1];
            dups.push_back(std::move(d));
        }
        g = e;
    }
    if (dups.empty()) return;
    // Report in file order of the second occurrence.
    std::stable_sort(dups.begin(), dups.end(), [&](const Dup& a, const Dup& b) { return before(a.second, b.second); });
    for (const auto& d : dups) {
        std::vector<std::string> types;
        for (const auto* b : d.list)
            if (!contains(types, b->type)) types.push_back(b->type);
        std::string msg;
        if (types.size() == 1) {
            msg = std::string(d.second->name) + " assigned to multiple " + types[0] + " bindings.";
        } else {
            std::string joined;
            for (size_t k = 0; k < types.size(); ++k) {
                if (k) joined += (k + 1 == types.size()) ? " and " : ", ";
                joined += types[k];
            }
            msg = std::string(d.second->name) + " assigned to " + joined + " bindings.";
        }
        std::string hint = "also used at " + d.first->path(P);
        if (d.first->pos.line) hint += " (line " + std::to_string(d.first->pos.line) + ")";
        error(d.second->pos, d.second->path(P), msg, hint);
    }
    error(dups.front().second->pos, dups.front().second->path(P),
          "Bindings must have unique names, so that they can all be referenced in the worker.\nPlease change your "
          "bindings to have unique names.");
}

void Normalizer::durable_object_warning(const json& config, const Node& root, const json& active) {
    (void)root;
    if (!active.contains("durable_objects") || !active["durable_objects"].is_object()) return;
    const json& bindings = active["durable_objects"].value("bindings", json::array());
    if (!bindings.is_array()) return;
    const json& migrations = config.value("migrations", json::array());
    const json& exports = config.value("exports", json::object());
    if ((migrations.is_array() && !migrations.empty()) || (exports.is_object() && !exports.empty())) return;
    std::vector<std::string> classes;
    for (const auto& b : bindings) {
        if (!b.is_object() || b.contains("script_name")) continue;
        if (b.contains("class_name") && b["class_name"].is_string()) {
            std::string c = b["class_name"].get<std::string>();
            if (!contains(classes, c)) classes.push_back(c);
        }
    }
    if (classes.empty()) return;
    std::string list = join(classes, ", ");
    std::string snippet;
    if (m_o.format == Format::Toml) {
        for (const auto& c : classes)
            snippet += "[exports." + c + "]\ntype = \"durable-object\"\nstorage = \"sqlite\"\n\n";
    } else {
        json ex = json::object();
        for (const auto& c : classes) ex[c] = {{"type", "durable-object"}, {"storage", "sqlite"}};
        snippet = json{{"exports", ex}}.dump(2) + "\n";
    }
    // Point at the first such binding.
    Pos pos;
    std::string path;
    const Node* raw_section = &root;
    if (m_o.env && !m_o.env->empty())
        if (const Node* e = root.find("env"); e && e->is_object())
            if (const Node* s = e->find(*m_o.env); s && s->is_object()) raw_section = s;
    if (const Node* d = raw_section->find("durable_objects"); d && d->is_object())
        if (const Node* b = d->find("bindings"); b && b->is_array() && !b->items.empty()) {
            pos = b->items[0].pos;
            path = (raw_section == &root ? std::string() : "env." + *m_o.env + ".") + "durable_objects.bindings[0]";
        }
    warning(pos, path,
            "In your " + m_config_file + " file, you have configured `durable_objects` exported by this Worker (" +
                list +
                "), but no live `exports` entry for them. This may not work as expected until you add a live "
                "`durable-object` entry to `exports` for each. Add the following configuration:\n\n```\n" +
                snippet + "```",
            "or add a [[migrations]] entry with new_sqlite_classes");
}

}  // namespace tenantctl::config::detail
