#include "tenants/spec.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::tenants {

std::map<std::string, PlanSpec> builtin_plans() {
    std::map<std::string, PlanSpec> out;
    out["free"] = PlanSpec{"free", 10, 5};
    out["pro"] = PlanSpec{"pro", 20, 20};
    out["enterprise"] = PlanSpec{"enterprise", 50, 50};
    return out;
}

using nlohmann::json;

const char* to_string(Resource r) {
    switch (r) {
        case Resource::Kv:
            return "kv";
        case Resource::R2:
            return "r2";
        case Resource::D1:
            return "d1";
    }
    return "?";
}

std::optional<Resource> resource_from_string(std::string_view s) {
    if (s == "kv") return Resource::Kv;
    if (s == "r2") return Resource::R2;
    if (s == "d1") return Resource::D1;
    return std::nullopt;
}

json PlanSpec::limits() const {
    json j = json::object();
    if (cpu_ms) j["cpu_ms"] = *cpu_ms;
    if (subrequests) j["subrequests"] = *subrequests;
    return j;
}

std::string check_tenant_id(const std::string& id) {
    if (id.empty()) return "it is empty";
    if (id.size() > 63) return "it is longer than 63 characters";
    for (char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return "it may only contain a-z, 0-9 and '-'";
    }
    if (id.front() == '-' || id.back() == '-') return "it must start and end with a letter or digit";
    return {};
}

std::string check_namespace_name(const std::string& name) {
    if (name.empty()) return "it is empty";
    if (name.size() > 63) return "it is longer than 63 characters";
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return "it may only contain letters, digits, '-' and '_'";
    return {};
}

std::string check_user_tag(const std::string& tag, const std::string& managed_tag) {
    if (tag.empty()) return "a tag must not be empty";
    if (tag.size() > 64) return "a tag is at most 64 characters";
    for (char c : tag) {
        if (c == ',' || c == '&' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
            return "a tag must not contain ',', '&', ':' or whitespace (they break the tag filter)";
    }
    if (tag == managed_tag)
        return "the tag " + quoted(tag) + " is reserved: tenantctl adds it to every tenant it manages";
    if (starts_with(tag, "plan-"))
        return "tags starting with \"plan-\" are reserved: tenantctl sets the plan tag from `plan`";
    if (starts_with(tag, "tcd-")) return "tags starting with \"tcd-\" are reserved for tenantctl's state digest";
    return {};
}

namespace {

Position pos_of(const YAML::Node& n) {
    YAML::Mark m = n.Mark();
    if (m.is_null()) return {};
    return {m.line + 1, m.column + 1};
}

const char* kind_of(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Null:
            return "null";
        case YAML::NodeType::Scalar:
            return "a scalar";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a mapping";
        default:
            return "undefined";
    }
}

// What a converted value costs against limits::k_max_yaml_expanded_bytes.
size_t json_cost(const json& j) {
    size_t n = 64;
    if (j.is_string()) n += j.get_ref<const std::string&>().size();
    if (j.is_object())
        for (auto& [k, v] : j.items()) n += k.size() + json_cost(v);
    if (j.is_array())
        for (auto& v : j) n += json_cost(v);
    return n;
}

struct Parser {
    std::string file;
    std::string dir;
    std::vector<Diagnostic> diags;
    size_t expanded = 0;       // cost of the values converted so far (aliases count at every use)
    bool over_budget = false;  // reported once; conversion stops

    // Charges `cost` to the expansion budget; false (and one diagnostic) once it is exceeded.
    bool charge(size_t cost, Position at, const std::string& path) {
        if (over_budget) return false;
        expanded += cost;
        if (expanded <= limits::k_max_yaml_expanded_bytes) return true;
        over_budget = true;
        error(at, path,
              "the file's values exceed " + std::to_string(limits::k_max_yaml_expanded_bytes / limits::k_mib) +
                  " MiB once aliases are expanded (limit k_max_yaml_expanded_bytes)",
              "an alias (*name) copies its anchor at every use; share less, or split the file");
        return false;
    }

    void error(Position p, const std::string& path, std::string message, std::string hint = {}) {
        Diagnostic d;
        d.severity = Severity::Error;
        d.file = file;
        d.line = p.line;
        d.column = p.column;
        d.path = path;
        d.message = std::move(message);
        d.hint = std::move(hint);
        diags.push_back(std::move(d));
    }

    // Reports unknown keys of a mapping (with a "did you mean").
    void check_keys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& known) {
        for (auto it = map.begin(); it != map.end(); ++it) {
            std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
            if (std::find(known.begin(), known.end(), key) != known.end()) continue;
            std::string hint;
            if (auto m = closest_match(key, known); !m.empty())
                hint = "did you mean " + quoted(m) + "?";
            else
                hint = "known fields: " + join(known, ", ");
            error(pos_of(it->first), path.empty() ? key : path + "." + key, "unknown field " + quoted(key), hint);
        }
    }

    bool expect_map(const YAML::Node& n, const std::string& path) {
        if (n.IsMap()) return true;
        error(pos_of(n), path, path + " must be a mapping, got " + kind_of(n));
        return false;
    }
    bool expect_seq(const YAML::Node& n, const std::string& path) {
        if (n.IsSequence()) return true;
        error(pos_of(n), path, path + " must be a list, got " + kind_of(n),
              "write it as [a, b] or one `- item` per line");
        return false;
    }
    std::optional<std::string> string_of(const YAML::Node& n, const std::string& path) {
        if (n.IsScalar()) return n.Scalar();
        error(pos_of(n), path, path + " must be a string, got " + kind_of(n));
        return std::nullopt;
    }
    std::optional<long long> int_of(const YAML::Node& n, const std::string& path, long long lo, long long hi) {
        if (!n.IsScalar()) {
            error(pos_of(n), path, path + " must be a number, got " + kind_of(n));
            return std::nullopt;
        }
        const std::string& s = n.Scalar();
        long long v = 0;
        bool ok =
            !s.empty() && s.size() < 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (ok) v = std::stoll(s);
        if (!ok || v < lo || v > hi) {
            error(pos_of(n), path,
                  path + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                      quoted(s));
            return std::nullopt;
        }
        return v;
    }
    std::vector<std::string> strings_of(const YAML::Node& n, const std::string& path) {
        std::vector<std::string> out;
        if (!expect_seq(n, path)) return out;
        for (size_t i = 0; i < n.size(); ++i) {
            if (!charge(64 + (n[i].IsScalar() ? n[i].Scalar().size() : 0), pos_of(n[i]), path)) break;
            if (auto s = string_of(n[i], path + "[" + std::to_string(i) + "]")) out.push_back(*s);
        }
        return out;
    }

    json vars_of(const YAML::Node& n, const std::string& path) {
        json out = json::object();
        if (!expect_map(n, path)) return out;
        for (auto it = n.begin(); it != n.end(); ++it) {
            std::string key = it->first.as<std::string>("");
            std::string p = path + "." + key;
            if (key.empty()) {
                error(pos_of(it->first), p, "a variable name must not be empty");
                continue;
            }
            out[key] = to_json(it->second, p);
            if (over_budget) break;
        }
        return out;
    }

    json to_json(const YAML::Node& n, const std::string& path, size_t depth = 0) {
        if (over_budget) return json();
        if (depth >= limits::k_max_yaml_depth) {
            error(pos_of(n), path,
                  path + " nests deeper than " + std::to_string(limits::k_max_yaml_depth) +
                      " levels (limit k_max_yaml_depth)",
                  "an anchor that contains an alias of itself never ends; remove the self-reference");
            over_budget = true;  // one report; stop converting
            return json();
        }
        if (!charge(64 + (n.IsScalar() ? n.Scalar().size() : 0), pos_of(n), path)) return json();
        switch (n.Type()) {
            case YAML::NodeType::Scalar:
                return n.Scalar();
            case YAML::NodeType::Sequence: {
                json a = json::array();
                for (size_t i = 0; i < n.size() && !over_budget; ++i)
                    a.push_back(to_json(n[i], path + "[" + std::to_string(i) + "]", depth + 1));
                return a;
            }
            case YAML::NodeType::Map: {
                json o = json::object();
                for (auto it = n.begin(); it != n.end() && !over_budget; ++it)
                    o[it->first.as<std::string>("")] = to_json(it->second, path, depth + 1);
                return o;
            }
            case YAML::NodeType::Null:
                error(pos_of(n), path, path + " has no value", "write an empty string as \"\"");
                return json();
            default:
                return json();
        }
    }

    std::vector<Resource> isolate_of(const YAML::Node& n, const std::string& path) {
        std::set<Resource> seen;
        if (!expect_seq(n, path)) return {};
        for (size_t i = 0; i < n.size(); ++i) {
            std::string p = path + "[" + std::to_string(i) + "]";
            auto s = string_of(n[i], p);
            if (!s) continue;
            auto r = resource_from_string(*s);
            if (!r) {
                std::string hint = "isolate takes kv, r2 and d1";
                if (auto m = closest_match(*s, {"kv", "r2", "d1"}); !m.empty())
                    hint = "did you mean " + quoted(m) + "?";
                error(pos_of(n[i]), p, "unknown resource kind " + quoted(*s), hint);
                continue;
            }
            seen.insert(*r);
        }
        return {seen.begin(), seen.end()};
    }

    std::map<std::string, SecretSource> secrets_of(const YAML::Node& n, const std::string& path) {
        std::map<std::string, SecretSource> out;
        if (!expect_map(n, path)) return out;
        for (auto it = n.begin(); it != n.end(); ++it) {
            std::string name = it->first.as<std::string>("");
            std::string p = path + "." + name;
            if (name.empty() || name.find_first_of("/\r\n ") != std::string::npos) {
                error(pos_of(it->first), p, "invalid secret name " + quoted(name), "use a name such as API_KEY");
                continue;
            }
            const YAML::Node v = it->second;  // a copy: the iterator's value is a temporary
            if (auto src = source_of(v, p)) out[name] = *src;
        }
        return out;
    }

    // { env: VARIABLE } or { file: PATH }
    std::optional<SecretSource> source_of(const YAML::Node& v, const std::string& p) {
        if (!v.IsMap()) {
            error(pos_of(v), p, p + " must be a mapping with `env` or `file`, got " + kind_of(v),
                  "secret values never go in the file: write { env: VARIABLE } or { file: ./path }");
            return std::nullopt;
        }
        check_keys(v, p, {"env", "file"});
        SecretSource s;
        s.path = p;
        if (v["env"] && v["file"]) {
            error(pos_of(v), p, p + " has both env and file", "give exactly one of them");
            return std::nullopt;
        }
        if (v["env"]) {
            if (auto e = string_of(v["env"], p + ".env")) s.env = *e, s.pos = pos_of(v["env"]), s.path = p + ".env";
        } else if (v["file"]) {
            if (auto f = string_of(v["file"], p + ".file"))
                s.file = *f, s.pos = pos_of(v["file"]), s.path = p + ".file";
        } else {
            error(pos_of(v), p, p + " needs env or file", "write { env: VARIABLE } or { file: ./path }");
            return std::nullopt;
        }
        if (s.env.empty() && s.file.empty()) return std::nullopt;
        return s;
    }
};

struct Defaults {
    std::string plan;
    Position plan_pos;
    std::vector<std::string> tags;
    json vars = json::object();
    std::optional<std::vector<Resource>> isolate;
    std::optional<std::map<std::string, SecretSource>> secrets;
};

void walk(Parser& p, TenantsFile& f, const YAML::Node& root) {
    if (!root.IsMap()) {
        p.error(root.IsNull() ? Position{1, 1} : pos_of(root), "",
                "the file must be a mapping with namespace and tenants");
    } else {
        p.check_keys(root, "",
                     {"namespace", "script", "config", "compatibility_date", "compatibility_flags", "prefix",
                      "managed_tag", "bindings", "plans", "defaults", "tenants", "secrets_digest_key"});
        if (auto n = root["secrets_digest_key"]) f.secrets_digest_key = p.source_of(n, "secrets_digest_key");
        if (auto n = root["namespace"]) {
            if (auto s = p.string_of(n, "namespace")) {
                f.ns = *s;
                if (f.ns.empty())
                    p.error(pos_of(n), "namespace", "namespace must not be empty");
                else if (auto why = check_namespace_name(f.ns); !why.empty())
                    p.error(pos_of(n), "namespace", "invalid namespace " + quoted(f.ns) + ": " + why,
                            "a dispatch namespace name such as production");
            }
        } else {
            p.error({1, 1}, "namespace", "missing required field namespace", "add namespace: <dispatch namespace>");
        }
        if (root["script"] && root["config"]) {
            p.error(pos_of(root["config"]), "config", "give either script or config, not both");
        }
        if (auto n = root["script"]) {
            if (auto s = p.string_of(n, "script")) f.script = *s;
        }
        if (auto n = root["config"]) {
            if (auto s = p.string_of(n, "config")) f.config = *s;
        }
        if (auto n = root["compatibility_date"]) {
            if (auto s = p.string_of(n, "compatibility_date")) {
                bool shape = s->size() == 10 && (*s)[4] == '-' && (*s)[7] == '-';
                if (!shape)
                    p.error(pos_of(n), "compatibility_date",
                            "compatibility_date must be YYYY-MM-DD, got " + quoted(*s));
                else
                    f.compatibility_date = *s;
            }
        }
        if (auto n = root["compatibility_flags"]) f.compatibility_flags = p.strings_of(n, "compatibility_flags");
        if (auto n = root["managed_tag"]) {
            if (auto s = p.string_of(n, "managed_tag")) {
                f.managed_tag = *s;
                std::string why = check_user_tag(*s, "");
                if (starts_with(*s, "plan-") || starts_with(*s, "tcd-") ||
                    (!why.empty() && why.find("reserved") == std::string::npos))
                    p.error(pos_of(n), "managed_tag",
                            "invalid managed_tag " + quoted(*s) + ": " + (why.empty() ? "reserved prefix" : why));
            }
        }
        if (auto n = root["prefix"]) {
            if (auto s = p.string_of(n, "prefix")) {
                f.prefix = *s;
                if (std::string why = check_tenant_id(*s); !why.empty())
                    p.error(pos_of(n), "prefix", "invalid prefix " + quoted(*s) + ": " + why,
                            "resource names are <prefix>-<id>; use a-z, 0-9 and '-'");
            }
        }
        if (f.prefix.empty() && check_tenant_id(f.ns).empty()) f.prefix = f.ns;
        if (auto n = root["bindings"]) {
            if (p.expect_map(n, "bindings")) {
                p.check_keys(n, "bindings", {"kv", "r2", "d1"});
                if (n["kv"]) f.bindings.kv = p.string_of(n["kv"], "bindings.kv").value_or(f.bindings.kv);
                if (n["r2"]) f.bindings.r2 = p.string_of(n["r2"], "bindings.r2").value_or(f.bindings.r2);
                if (n["d1"]) f.bindings.d1 = p.string_of(n["d1"], "bindings.d1").value_or(f.bindings.d1);
            }
        }
        if (auto n = root["plans"]) {
            if (p.expect_map(n, "plans")) {
                for (auto it = n.begin(); it != n.end(); ++it) {
                    std::string name = it->first.as<std::string>("");
                    std::string path = "plans." + name;
                    if (std::string why = check_tenant_id(name); !why.empty()) {
                        p.error(pos_of(it->first), path, "invalid plan name " + quoted(name) + ": " + why,
                                "the plan goes into the tag plan-<name>");
                        continue;
                    }
                    PlanSpec plan;
                    plan.name = name;
                    if (p.expect_map(it->second, path)) {
                        p.check_keys(it->second, path, {"cpu_ms", "subrequests"});
                        if (auto v = it->second["cpu_ms"]) plan.cpu_ms = p.int_of(v, path + ".cpu_ms", 1, 300000);
                        if (auto v = it->second["subrequests"])
                            plan.subrequests = p.int_of(v, path + ".subrequests", 1, 10000000);
                    }
                    f.plans[name] = plan;
                }
            }
        }
        Defaults defs;
        if (auto n = root["defaults"]) {
            if (p.expect_map(n, "defaults")) {
                p.check_keys(n, "defaults", {"plan", "tags", "vars", "isolate", "secrets"});
                if (auto v = n["plan"]) {
                    defs.plan = p.string_of(v, "defaults.plan").value_or("");
                    defs.plan_pos = pos_of(v);
                    if (!defs.plan.empty() && !f.plans.count(defs.plan))
                        p.error(
                            pos_of(v), "defaults.plan", "unknown plan " + quoted(defs.plan),
                            f.plans.empty() ? "define it under plans:" : "plans defined: " + [&] {
                                std::vector<std::string> names;
                                for (auto& [k, _] : f.plans) names.push_back(k);
                                return join(names, ", ");
                            }());
                }
                if (auto v = n["tags"]) {
                    auto tags = p.strings_of(v, "defaults.tags");
                    for (size_t i = 0; i < tags.size(); ++i) {
                        if (std::string why = check_user_tag(tags[i], f.managed_tag); !why.empty())
                            p.error(pos_of(v[i]), "defaults.tags[" + std::to_string(i) + "]",
                                    "invalid tag " + quoted(tags[i]) + ": " + why);
                        else if (std::find(defs.tags.begin(), defs.tags.end(), tags[i]) == defs.tags.end())
                            defs.tags.push_back(tags[i]);
                    }
                }
                if (auto v = n["vars"]) defs.vars = p.vars_of(v, "defaults.vars");
                if (auto v = n["isolate"]) defs.isolate = p.isolate_of(v, "defaults.isolate");
                if (auto v = n["secrets"]) defs.secrets = p.secrets_of(v, "defaults.secrets");
            }
        }
        f.defaults.plan = defs.plan;
        f.defaults.tags = defs.tags;
        f.defaults.vars = defs.vars;
        const size_t defs_vars_cost = json_cost(defs.vars);
        f.defaults.isolate = defs.isolate.value_or(std::vector<Resource>{});
        if (defs.secrets) f.defaults.secrets = *defs.secrets, f.defaults.manage_secrets = true;
        if (auto n = root["tenants"]) {
            if (p.expect_seq(n, "tenants")) {
                std::map<std::string, Position> seen;
                for (size_t i = 0; i < n.size() && !p.over_budget; ++i) {
                    const YAML::Node t = n[i];
                    std::string path = "tenants[" + std::to_string(i) + "]";
                    if (!p.expect_map(t, path)) continue;
                    p.check_keys(t, path, {"id", "plan", "tags", "vars", "secrets", "isolate"});
                    TenantSpec ts;
                    ts.pos = pos_of(t);
                    if (auto v = t["id"]) {
                        if (auto s = p.string_of(v, path + ".id")) {
                            ts.id = *s;
                            if (std::string why = check_tenant_id(*s); !why.empty()) {
                                p.error(pos_of(v), path + ".id", "invalid tenant id " + quoted(*s) + ": " + why,
                                        "the id is the script name and the suffix of its resource names");
                            } else if (auto it = seen.find(*s); it != seen.end()) {
                                p.error(pos_of(v), path + ".id", "duplicate tenant id " + quoted(*s),
                                        "first defined at line " + std::to_string(it->second.line));
                            } else {
                                seen[*s] = pos_of(v);
                            }
                        }
                    } else {
                        p.error(ts.pos, path + ".id", "missing required field id");
                    }
                    ts.plan = defs.plan;
                    if (auto v = t["plan"]) {
                        if (auto s = p.string_of(v, path + ".plan")) {
                            ts.plan = *s;
                            if (!f.plans.count(*s)) {
                                std::vector<std::string> names;
                                for (auto& [k, _] : f.plans) names.push_back(k);
                                std::string hint =
                                    names.empty() ? "define it under plans:" : "plans defined: " + join(names, ", ");
                                if (auto m = closest_match(*s, names); !m.empty())
                                    hint = "did you mean " + quoted(m) + "?";
                                p.error(pos_of(v), path + ".plan", "unknown plan " + quoted(*s), hint);
                            }
                        }
                    }
                    ts.tags = defs.tags;
                    if (auto v = t["tags"]) {
                        auto tags = p.strings_of(v, path + ".tags");
                        for (size_t k = 0; k < tags.size(); ++k) {
                            if (std::string why = check_user_tag(tags[k], f.managed_tag); !why.empty())
                                p.error(pos_of(v[k]), path + ".tags[" + std::to_string(k) + "]",
                                        "invalid tag " + quoted(tags[k]) + ": " + why);
                            else if (std::find(ts.tags.begin(), ts.tags.end(), tags[k]) == ts.tags.end())
                                ts.tags.push_back(tags[k]);
                        }
                    }
                    size_t total = ts.tags.size() + k_reserved_tags;
                    if (total > k_max_tags) {
                        p.error(t["tags"] ? pos_of(t["tags"]) : ts.pos, path + ".tags",
                                "tenant " + quoted(ts.id) + " would have " + std::to_string(total) +
                                    " tags, the API allows " + std::to_string(k_max_tags),
                                "tenantctl uses 3 tags per tenant (managed marker, plan, digest): at most " +
                                    std::to_string(k_max_tags - k_reserved_tags) + " of your own, defaults included");
                    }
                    // defaults.vars is copied into every tenant: that copy counts against the budget too
                    if (!p.charge(defs_vars_cost, pos_of(t), path)) break;
                    ts.vars = defs.vars;
                    if (auto v = t["vars"]) ts.vars.update(p.vars_of(v, path + ".vars"));
                    ts.isolate = defs.isolate.value_or(std::vector<Resource>{});
                    if (auto v = t["isolate"]) ts.isolate = p.isolate_of(v, path + ".isolate");
                    if (defs.secrets) {
                        ts.secrets = *defs.secrets;
                        ts.manage_secrets = true;
                    }
                    if (auto v = t["secrets"]) {
                        for (auto& [k, s] : p.secrets_of(v, path + ".secrets")) ts.secrets[k] = s;
                        ts.manage_secrets = true;
                    }
                    f.tenants.push_back(std::move(ts));
                }
            }
        } else {
            p.error({1, 1}, "tenants", "missing required field tenants", "add tenants: with a list of { id: … }");
        }
    }
}

}  // namespace

namespace {
Result<TenantsFile> parse_tenants_text(const std::string& text, const std::string& display_path,
                                       const std::string& dir);
}  // namespace

// Diagnostics of the file carry their source lines, so any renderer shows them with a caret.
Result<TenantsFile> parse_tenants_file(const std::string& text, const std::string& display_path,
                                       const std::string& dir) {
    auto source = std::make_shared<const SourceText>(display_path, text);
    auto f = parse_tenants_text(text, display_path, dir);
    if (!f.ok()) {
        attach_source_lines(f.error().diagnostics, *source);
        return f;
    }
    f->source = std::move(source);
    return f;
}

namespace {
Result<TenantsFile> parse_tenants_text(const std::string& text, const std::string& display_path,
                                       const std::string& dir) {
    Parser p{display_path, dir, {}};
    TenantsFile f;
    f.display_path = display_path;
    f.dir = dir;
    YAML::Node loaded;
    try {
        loaded = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        Position pos{e.mark.line + 1, e.mark.column + 1};
        p.error(pos, "", "invalid YAML: " + e.msg);
        Error err(ErrorKind::Input, display_path + ": invalid YAML", "fix the syntax error shown above");
        err.diagnostics = std::move(p.diags);
        return err;
    } catch (const std::exception& e) {
        Error err(ErrorKind::Input, display_path + ": invalid YAML: " + e.what());
        return err;
    }
    const YAML::Node& root = loaded;
    try {
        walk(p, f, root);
    } catch (const YAML::Exception& e) {  // a node shape the walk did not expect: report, never crash
        p.error({e.mark.line + 1, e.mark.column + 1}, "", std::string("unexpected YAML structure: ") + e.msg);
    }
    if (!p.diags.empty()) {
        std::stable_sort(p.diags.begin(), p.diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        size_t n = p.diags.size();
        Error err(ErrorKind::Input,
                  display_path + ": " + std::to_string(n) + " error" + (n == 1 ? "" : "s") + "; nothing was sent",
                  "fix the problems listed above");
        err.diagnostics = std::move(p.diags);
        return err;
    }
    return f;
}
}  // namespace

Result<TenantsFile> load_tenants_file(const std::string& path, const std::string& cwd) {
    std::string abs = absolute_path(path, cwd);
    auto text = read_file_limited(abs, limits::k_max_input_file_bytes, "tenants file " + quoted(path));
    if (!text.ok()) {
        if (text.error().kind == ErrorKind::Input) return text.error();
        return Error(ErrorKind::Io, "cannot read tenants file " + quoted(path) + ": " + text.error().message,
                     "pass -f PATH to a tenants.yaml (see docs/tenants.yaml.example)");
    }
    std::string display = relative_to(abs, cwd);
    if (starts_with(display, "./")) display = display.substr(2);
    TRY_ASSIGN(TenantsFile f, parse_tenants_file(*text, display, parent_dir(abs)));
    f.path = abs;
    return f;
}

Result<std::map<std::string, std::map<std::string, std::string>>> resolve_secrets(const TenantsFile& f,
                                                                                  const Env& env) {
    std::map<std::string, std::map<std::string, std::string>> out;
    std::vector<Diagnostic> diags;
    auto fail = [&](const SecretSource& s, std::string msg, std::string hint) {
        Diagnostic d;
        d.file = f.display_path;
        d.line = s.pos.line;
        d.column = s.pos.column;
        d.path = s.path;
        d.message = std::move(msg);
        d.hint = std::move(hint);
        diags.push_back(std::move(d));
    };
    std::map<std::string, std::string> file_cache;
    for (const auto& t : f.tenants) {
        auto& values = out[t.id];
        for (const auto& [name, s] : t.secrets) {
            if (!s.env.empty()) {
                auto v = env.get(s.env);
                if (!v || v->empty()) {
                    fail(s,
                         "environment variable " + s.env + " (secret " + name + " of tenant " + quoted(t.id) +
                             ") is not set",
                         "export " + s.env + " before running, or take the value from a file: { file: ./path }");
                    continue;
                }
                Redactor::global().add(*v);
                values[name] = *v;
            } else {
                std::string abs = absolute_path(s.file, f.dir);
                auto it = file_cache.find(abs);
                if (it == file_cache.end()) {
                    auto text = read_file_limited(abs, limits::k_max_input_file_bytes, "secret file " + quoted(s.file));
                    if (!text.ok()) {
                        fail(s,
                             "cannot read secret file " + quoted(s.file) + " (secret " + name + " of tenant " +
                                 quoted(t.id) + ")" +
                                 (text.error().kind == ErrorKind::Input ? ": " + text.error().message : std::string()),
                             "paths are relative to the directory of " + f.display_path);
                        continue;
                    }
                    std::string v = std::move(text).value();
                    if (!v.empty() && v.back() == '\n') v.pop_back();
                    if (!v.empty() && v.back() == '\r') v.pop_back();
                    it = file_cache.emplace(abs, v).first;
                }
                if (it->second.empty()) {
                    fail(s,
                         "secret file " + quoted(s.file) + " is empty (secret " + name + " of tenant " + quoted(t.id) +
                             ")",
                         "");
                    continue;
                }
                Redactor::global().add(it->second);
                values[name] = it->second;
            }
        }
    }
    if (!diags.empty()) {
        size_t n = diags.size();
        Error err(ErrorKind::Input, f.display_path + ": " + std::to_string(n) + " secret" + (n == 1 ? "" : "s") +
                                        " could not be read; nothing was sent");
        err.diagnostics = std::move(diags);
        if (f.source) attach_source_lines(err.diagnostics, *f.source);
        return err;
    }
    return out;
}

Result<std::string> resolve_digest_key(const TenantsFile& f, const Env& env) {
    if (!f.secrets_digest_key) return std::string();
    const SecretSource& s = *f.secrets_digest_key;
    std::string value, problem;
    if (!s.env.empty()) {
        auto v = env.get(s.env);
        if (!v || v->empty())
            problem = "environment variable " + s.env + " (secrets_digest_key) is not set";
        else
            value = *v;
    } else {
        auto text = read_file_limited(absolute_path(s.file, f.dir), limits::k_max_input_file_bytes, quoted(s.file));
        if (!text.ok())
            problem = "cannot read " + quoted(s.file) + " (secrets_digest_key)";
        else
            value = std::string(trim(*text));
    }
    if (problem.empty() && value.size() < 16) problem = "secrets_digest_key is shorter than 16 characters";
    if (!problem.empty()) {
        Diagnostic d;
        d.file = f.display_path;
        d.line = s.pos.line;
        d.column = s.pos.column;
        d.path = s.path;
        d.message = problem;
        d.hint =
            "the key makes secret values part of the state digest; use a random value of 32+ characters, kept like a "
            "secret";
        Error err(ErrorKind::Input, f.display_path + ": secrets_digest_key could not be read; nothing was sent");
        err.diagnostics.push_back(std::move(d));
        if (f.source) attach_source_lines(err.diagnostics, *f.source);
        return err;
    }
    Redactor::global().add(value);
    return value;
}

}  // namespace tenantctl::tenants
