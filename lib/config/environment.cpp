// One section of a configuration (the top level, or the selected env.NAME) normalized with wrangler's field
// model: inheritable fields come from the top level when the environment does not set them, non-inheritable
// ones get their defaults, and an environment that leaves out (or has its own list without) what the top level
// binds is warned about, as wrangler does.
#include <algorithm>
#include <set>

#include "config/normalizer.hpp"

namespace tenantctl::config::detail {

namespace {

// A binding name as JavaScript's Set sees it: a type tag, then the text as a template string prints it.
std::string js_key(const Node* n) {
    if (!n) return "uundefined";
    switch (n->kind) {
        case Node::Kind::String:
            return "s" + n->s;
        case Node::Kind::Int:
        case Node::Kind::Float:
            return "n" + js_number(n->number());
        case Node::Kind::Bool:
            return std::string("b") + (n->b ? "true" : "false");
        case Node::Kind::Null:
            return "lnull";
        default:
            return "o" + n->js_stringify();
    }
}

// wrangler's getBindingNames over the top level's value: the names of a valid "bindings" list, else the
// object's "binding", else its keys. `defaults_bindings`: the top level's normalized durable_objects always
// has a "bindings" list, so a missing one reads as empty.
std::vector<std::string> binding_names(const Node* top, bool defaults_bindings) {
    std::vector<std::string> out;
    if (!top) return out;
    if (!top->is_object()) return out;
    const Node* b = top->find("bindings");
    if (!b && defaults_bindings) return out;
    if (b && b->is_array() && std::all_of(b->items.begin(), b->items.end(), [](const Node& e) {
            const Node* n = e.is_object() ? e.find("name") : nullptr;
            return n && n->is_string();
        })) {
        for (const auto& e : b->items) out.push_back(e.find("name")->s);
        return out;
    }
    if (const Node* one = top->find("binding")) return {js_key(one).substr(1)};
    for (const auto& m : top->items) out.push_back(m.key);
    return out;
}

}  // namespace

json Normalizer::section(const SectionCtx& sc) {
    const Node& raw = *sc.raw;
    json out = json::object();
    const std::string& P = sc.prefix;

    // Removed fields.
    if (const Node* m = raw.find("node_compat")) {
        error(m->key_pos, P + "node_compat",
              "Removed: \"node_compat\":\nThe \"node_compat\" field is no longer supported as of Wrangler v4. "
              "Instead, use "
              "the `nodejs_compat` compatibility flag. This includes the functionality from legacy `node_compat` "
              "polyfills and natively implemented Node.js APIs. See "
              "https://developers.cloudflare.com/workers/runtime-apis/nodejs for more information.",
              "add \"nodejs_compat\" to compatibility_flags");
    }
    if (const Node* m = raw.find("legacy_env")) {
        error(m->key_pos, P + "legacy_env",
              "Removed: \"legacy_env\":\nThe \"legacy_env\" field is no longer supported as of Wrangler v4: every "
              "environment is deployed as its own Worker named \"<name>-<env>\".",
              "remove \"legacy_env\"");
    }

    // ---- inheritable fields
    for (const fields::Field& field : fields::k_fields) {
        if (field.kind != fields::Kind::Inheritable) continue;
        const std::string f(field.key);
        const Node* m = raw.find(f);
        if (f == "name") {
            if (m) {
                validate_name(*m, P + "name");
                out["name"] = m->to_json();
            } else if (sc.top && sc.env && sc.top->contains("name") && (*sc.top)["name"].is_string()) {
                out["name"] = (*sc.top)["name"].get<std::string>() + "-" + *sc.env;
            }
            continue;
        }
        std::optional<json> v;
        bool present = m != nullptr;
        if (m) v = inheritable_value(field, *m, P);
        if (m && sc.env && sc.raw_top) missing_env_bindings(field, *m, sc);
        if (f == "account_id" && m && m->is_string() && m->s.empty()) present = false;  // dropped, inherits
        if (v) {
            out[f] = *v;
        } else if (!present && sc.top && sc.top->contains(f)) {
            out[f] = (*sc.top)[f];
        } else if (!present) {
            if (auto d = field_default(field)) out[f] = *d;
        }
    }
    if (const Node* r1 = raw.find("route"); r1 && raw.find("routes")) {
        error(r1->key_pos, P + "route", "Expected exactly one of the following fields [\"routes\",\"route\"].",
              "use only \"routes\" (a list) or \"route\" (a single pattern)");
    }

    // ---- non-inheritable fields
    for (const fields::Field& field : fields::k_fields) {
        if (field.kind != fields::Kind::NonInheritable) continue;
        const std::string f(field.key);
        const Node* m = raw.find(f);
        if (m) {
            out[f] = non_inheritable_value(field, *m, sc);
            if (sc.env && sc.raw_top) missing_env_bindings(field, *m, sc);
            continue;
        }
        if (sc.env && sc.raw_top && sc.raw_top->find(f)) {
            warning(sc.pos, P + f,
                    q(f) + " exists at the top level, but not on " + q("env." + *sc.env) +
                        ".\nThis is not what you probably want, since " + q(f) +
                        " is not inherited by environments.\nPlease add " + q(f) + " to " + q("env." + *sc.env) + ".");
        }
        if (auto d = field_default(field)) out[f] = std::move(*d);
    }

    if (sc.env) {
        static const std::vector<std::string> known_env =
            fields::keys_of({fields::Kind::Inheritable, fields::Kind::NonInheritable, fields::Kind::Removed});
        unknown_fields(raw, known_env, "env." + *sc.env, P);
    }
    unique_binding_names(raw, P);
    return out;
}

std::optional<json> Normalizer::field_default(const fields::Field& f) const {
    switch (f.absent) {
        case fields::Default::None:
            return std::nullopt;
        case fields::Default::EmptyArray:
            return json::array();
        case fields::Default::EmptyObject:
            return json::object();
        case fields::Default::Special:
            break;
    }
    if (f.key == "jsx_factory") return json("React.createElement");
    if (f.key == "jsx_fragment") return json("React.Fragment");
    if (f.key == "build") return json{{"watch_dir", resolve("./src")}};
    if (f.key == "logfwdr") return json{{"bindings", json::array()}};
    if (f.key == "python_modules") return json{{"exclude", json::array({"**/*.pyc"})}};
    if (f.key == "durable_objects") return json{{"bindings", json::array()}};
    if (f.key == "queues") return json{{"producers", json::array()}, {"consumers", json::array()}};
    return std::nullopt;
}

// ---- "not inherited" per binding name: an environment that has its own list of a binding kind but lacks a
// name the top level binds. Wrangler checks two shapes: binding arrays (one warning per name, "binding"
// key; a list keyed by "name" such as send_email only warns, as "undefined", when the environment's list is
// empty) and objects with a "bindings" list keyed by "name" (one warning listing every name).
void Normalizer::missing_env_bindings(const fields::Field& field, const Node& v, const SectionCtx& sc) {
    if (field.env_bindings == fields::EnvBindings::NotCompared) return;
    const std::string f(field.key);
    const Node* top = sc.raw_top->find(f);
    const std::string env = "env." + *sc.env;
    if (field.env_bindings == fields::EnvBindings::BindingArray) {
        if (!v.is_array() || !top || !top->is_array()) return;
        std::set<std::string> have;
        for (const auto& e : v.items) have.insert(js_key(e.is_object() ? e.find("binding") : nullptr));
        for (size_t i = 0; i < top->items.size(); ++i) {
            const Node* b = top->items[i].is_object() ? top->items[i].find("binding") : nullptr;
            if (have.count(js_key(b))) continue;
            std::string name = js_key(b).substr(1);
            std::string hint = "the top level binds it at " + f + "[" + std::to_string(i) + "]";
            if (top->items[i].pos.line) hint += " (line " + std::to_string(top->items[i].pos.line) + ")";
            warning(v.pos, sc.prefix + f,
                    "There is a " + f + " binding with name " + q(name) + " at the top level, but not on " + q(env) +
                        ".\nThis is not what you probably want, since " + q(f) +
                        " configuration is not inherited by environments.\nPlease add a binding for " + q(name) +
                        " to " + q(env + "." + f + ".bindings") + ".",
                    hint);
        }
        return;
    }
    if (!v.is_object()) return;
    const Node* bindings = v.find("bindings");
    if (f == "unsafe" && !bindings) return;   // only an environment's own unsafe.bindings is compared
    if (f == "logfwdr" && !bindings) return;  // an error in wrangler ("bindings" is required)
    if (bindings) {
        if (!bindings->is_array()) return;
        for (const auto& e : bindings->items) {
            auto str = [&](const char* k) {
                const Node* n = e.find(k);
                return n && n->is_string();
            };
            auto opt = [&](const char* k) {
                const Node* n = e.find(k);
                return !n || n->is_string();
            };
            if (!e.is_object() || !str("name")) return;  // invalid bindings: wrangler does not compare
            if (f == "durable_objects" && (!str("class_name") || !opt("script_name") || !opt("environment") ||
                                           (e.find("environment") && !e.find("script_name"))))
                return;
            if (f == "unsafe" && !str("type")) return;
            if (f == "logfwdr" && !str("destination")) return;
        }
    }
    std::vector<std::string> top_names = binding_names(top, f == "durable_objects");
    std::set<std::string> have;
    if (bindings)
        for (const auto& e : bindings->items) have.insert(e.find("name")->s);
    std::string missing;
    for (const auto& n : top_names)
        if (!have.count(n)) missing += "\n- " + n;
    if (missing.empty()) return;
    warning(v.pos, sc.prefix + f,
            "The following bindings are at the top level, but not on " + q(env) +
                ".\nThis is not what you probably want, since " + q(f) +
                " configuration is not inherited by environments.\nPlease add a binding for each to " +
                q(env + "." + f + ".bindings") + ":" + missing);
}

}  // namespace tenantctl::config::detail
