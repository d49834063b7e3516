// Normalization and validation of a parsed wrangler configuration, following wrangler 4.164's
// normalizeAndValidateConfig / normalizeAndValidateEnvironment: the same field taxonomy, defaults, messages
// and environment rules. Every problem is collected (nothing stops at the first one), each with a position.
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "config/config.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace tenantctl::config {

namespace {

using json = nlohmann::json;

// (a) top-level only fields.
const std::vector<std::string> k_top_only = {"send_metrics",
                                             "dependencies_instrumentation",
                                             "dev",
                                             "site",
                                             "wasm_modules",
                                             "text_blobs",
                                             "data_blobs",
                                             "alias",
                                             "keep_vars",
                                             "addresses",
                                             "pages_build_output_dir",
                                             "$schema",
                                             "env"};

// (b) inheritable fields, in wrangler's order.
const std::vector<std::string> k_inheritable = {"name",
                                                "account_id",
                                                "compatibility_date",
                                                "compatibility_flags",
                                                "main",
                                                "find_additional_modules",
                                                "preserve_file_names",
                                                "base_dir",
                                                "workers_dev",
                                                "preview_urls",
                                                "route",
                                                "routes",
                                                "tsconfig",
                                                "jsx_factory",
                                                "jsx_fragment",
                                                "migrations",
                                                "exports",
                                                "triggers",
                                                "limits",
                                                "rules",
                                                "build",
                                                "no_bundle",
                                                "minify",
                                                "keep_names",
                                                "first_party_worker",
                                                "logfwdr",
                                                "logpush",
                                                "upload_source_maps",
                                                "placement",
                                                "assets",
                                                "observability",
                                                "access",
                                                "cache",
                                                "compliance_region",
                                                "python_modules",
                                                "previews"};

// (c) non-inheritable fields, in wrangler's order.
const std::vector<std::string> k_non_inheritable = {"define",
                                                    "vars",
                                                    "secrets",
                                                    "durable_objects",
                                                    "workflows",
                                                    "cloudchamber",
                                                    "containers",
                                                    "kv_namespaces",
                                                    "send_email",
                                                    "queues",
                                                    "connect",
                                                    "r2_buckets",
                                                    "d1_databases",
                                                    "vectorize",
                                                    "ai_search_namespaces",
                                                    "ai_search",
                                                    "agent_memory",
                                                    "hyperdrive",
                                                    "services",
                                                    "analytics_engine_datasets",
                                                    "dispatch_namespaces",
                                                    "mtls_certificates",
                                                    "tail_consumers",
                                                    "streaming_tail_consumers",
                                                    "unsafe",
                                                    "browser",
                                                    "ai",
                                                    "images",
                                                    "stream",
                                                    "media",
                                                    "pipelines",
                                                    "secrets_store_secrets",
                                                    "artifacts",
                                                    "unsafe_hello_world",
                                                    "flagship",
                                                    "worker_loaders",
                                                    "ratelimits",
                                                    "vpc_services",
                                                    "vpc_networks",
                                                    "version_metadata",
                                                    "analytics",
                                                    "k2"};

// (d) computed fields (not flagged when written in a file: wrangler checks against the normalized keys).
const std::vector<std::string> k_computed = {"configPath", "userConfigPath", "topLevelName", "definedEnvironments",
                                             "targetEnvironment"};
// Removed fields that have their own error.
const std::vector<std::string> k_removed = {"node_compat", "legacy_env"};

// Non-inheritable fields whose default is an empty array.
const std::set<std::string> k_array_defaults = {"workflows",
                                                "kv_namespaces",
                                                "send_email",
                                                "connect",
                                                "r2_buckets",
                                                "d1_databases",
                                                "vectorize",
                                                "ai_search_namespaces",
                                                "ai_search",
                                                "agent_memory",
                                                "hyperdrive",
                                                "services",
                                                "analytics_engine_datasets",
                                                "dispatch_namespaces",
                                                "mtls_certificates",
                                                "pipelines",
                                                "secrets_store_secrets",
                                                "artifacts",
                                                "unsafe_hello_world",
                                                "flagship",
                                                "worker_loaders",
                                                "ratelimits",
                                                "vpc_services",
                                                "vpc_networks",
                                                "k2"};

const std::vector<std::string> k_container_keys = {"name",
                                                   "class_name",
                                                   "image",
                                                   "image_build_context",
                                                   "image_vars",
                                                   "max_instances",
                                                   "instance_type",
                                                   "scheduling_policy",
                                                   "observability",
                                                   "ssh",
                                                   "wrangler_ssh",
                                                   "authorized_keys",
                                                   "trusted_user_ca_keys",
                                                   "constraints",
                                                   "affinities",
                                                   "rollout_step_percentage",
                                                   "rollout_kind",
                                                   "rollout_active_grace_period",
                                                   "unsafe",
                                                   "instances",
                                                   "durable_objects",
                                                   "configuration",
                                                   "images"};

std::vector<std::string> concat(std::initializer_list<const std::vector<std::string>*> lists) {
    std::vector<std::string> out;
    for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
    return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string q(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

// How JavaScript prints a number in a template string.
std::string js_number(double v) {
    if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) < 1e21) return std::to_string(static_cast<long long>(v));
    json j = v;
    return j.dump();
}

bool valid_worker_name(const std::string& s) {
    if (s.empty()) return true;
    auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; };
    if (!ok_first(s[0])) return false;
    for (char c : s)
        if (!(ok_first(c) || c == '-')) return false;
    return true;
}

bool valid_bucket_name(const std::string& s) {
    if (s.size() < 3 || s.size() > 63) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!(alnum(c) || c == '-')) return false;
    return true;
}

// `new URL("https://" + image)` parses and the last path segment carries a ":tag"; no scheme allowed.
bool valid_registry_image(std::string_view img) {
    if (img.empty() || img.find("://") != std::string_view::npos) return false;
    for (unsigned char c : img)
        if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '^' || c == '|' || c == '\\' || c == '"' ||
            c == '`' || c == '{' || c == '}')
            return false;
    size_t end_host = img.find_first_of("/?#");
    std::string_view host = img.substr(0, end_host);
    std::string_view rest = end_host == std::string_view::npos ? std::string_view("/") : img.substr(end_host);
    size_t at = host.rfind('@');
    if (at != std::string_view::npos) host = host.substr(at + 1);
    if (host.empty()) return false;
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
        std::string_view port = host.substr(colon + 1);
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        if (!port.empty() && std::stol(std::string(port)) > 65535) return false;
        host = host.substr(0, colon);
        if (host.empty()) return false;
    }
    size_t qpos = rest.find_first_of("?#");
    if (qpos != std::string_view::npos) rest = rest.substr(0, qpos);
    if (rest.empty() || rest[0] != '/') return false;
    std::string_view last = rest.substr(rest.rfind('/') + 1);
    return last.find(':') != std::string_view::npos;
}

struct SectionCtx {
    const Node* raw = nullptr;       // the section as written (root or env.NAME)
    std::optional<std::string> env;  // set when validating a named environment
    std::string prefix;              // "" or "env.NAME." for diagnostic paths
    const json* top = nullptr;       // normalized top level (for inheritance), null at the top level
    const Node* raw_top = nullptr;   // the top level as written (for "not inherited" warnings)
    Pos pos;                         // where the section starts
};

// A diagnostic path (or other message part) built only when a diagnostic needs it: a whole string, or a base
// string and a suffix ("containers[3]" + ".image").
class LazyPath {
public:
    LazyPath(const std::string& s) : m_base(&s) {}  // NOLINT: implicit on purpose
    LazyPath(const char* s) : m_suffix(s) {}        // NOLINT
    LazyPath(const std::string& base, std::string_view suffix) : m_base(&base), m_suffix(suffix) {}
    std::string str() const {
        std::string out = m_base ? *m_base : std::string();
        out += m_suffix;
        return out;
    }

private:
    const std::string* m_base = nullptr;
    std::string_view m_suffix;
};

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

class Normalizer {
    std::vector<std::pair<std::string, bool>> m_first_level_exists;  // may_exist's cache, for one normalize() call

public:
    explicit Normalizer(const NormalizeOptions& o) : m_o(o) {
        m_config_file = o.config_path.empty() ? std::string("wrangler.toml")
                                              : std::filesystem::path(o.config_path).filename().string();
    }

    Normalized run(const Node& root_in) {
        static const Node k_empty = [] {
            Node n;
            n.kind = Node::Kind::Object;
            return n;
        }();
        const Node& root = root_in.is_object() ? root_in : k_empty;

        // Top-level-only fields.
        json top_only = json::object();
        for (const char* f : {"send_metrics", "keep_vars"}) {
            if (const Node* m = root.find(f)) {
                if (expect(*m, f, f, "boolean")) top_only[f] = m->b;
            }
        }
        if (const Node* m = root.find("$schema")) expect(*m, "$schema", "$schema", "string");
        if (const Node* m = root.find("pages_build_output_dir")) {
            if (expect(*m, "pages_build_output_dir", "pages_build_output_dir", "string"))
                top_only["pages_build_output_dir"] = rel(absolute_path(m->s, m_o.dir));
        }
        for (const char* f : {"site", "wasm_modules", "text_blobs", "data_blobs", "alias", "addresses",
                              "dependencies_instrumentation"}) {
            if (const Node* m = root.find(f)) top_only[f] = m->to_json();
        }
        top_only["dev"] = normalize_dev(root.find("dev"));

        std::vector<std::string> defined;
        const Node* env_node = root.find("env");
        if (env_node && !env_node->is_object()) {
            error(env_node->pos, "env",
                  "The field \"env\" should be an object but got " + env_node->js_stringify() + ".");
        } else if (env_node) {
            for (const auto& m : env_node->items) defined.push_back(m.key);
        }

        SectionCtx top_ctx;
        top_ctx.raw = &root;
        top_ctx.pos = root.pos;
        json top = section(top_ctx);
        const json top_name = top.contains("name") ? top["name"] : json();
        json active;
        bool active_is_top = true;

        if (m_o.env && !m_o.env->empty()) {
            const std::string& name = *m_o.env;
            const Node* raw_env = (env_node && env_node->is_object()) ? env_node->find(name) : nullptr;
            if (raw_env && raw_env->is_object()) {
                SectionCtx ec;
                ec.raw = raw_env;
                ec.env = name;
                ec.prefix = "env." + name + ".";
                ec.top = &top;
                ec.raw_top = &root;
                ec.pos = raw_env->key_pos;
                active = section(ec);
                active_is_top = false;
            } else if (raw_env) {
                error(raw_env->pos, "env." + name,
                      "The field \"env." + name + "\" should be an object but got " + raw_env->js_stringify() + ".");
            } else {
                std::string snippet =
                    m_o.format == Format::Toml ? "[env." + name + "]" : "\"env\": {\n  " + q(name) + ": {}\n}";
                std::string msg = "No environment found in configuration with name " + q(name) +
                                  ".\nBefore using `--env=" + name +
                                  "` there should be an equivalent environment section in the configuration.\n";
                if (!defined.empty()) {
                    json names = defined;
                    msg += "The available configured environment names are: " + names.dump() + "\n";
                }
                msg += "\nConsider adding an environment configuration section to the " + m_config_file +
                       " file:\n```\n" + snippet + "\n```";
                std::string hint = closest_match(name, defined);
                if (!hint.empty()) hint = "did you mean --env " + hint + "?";
                if (!defined.empty())
                    error(env_node ? env_node->key_pos : Pos{}, "env", msg, hint);
                else
                    warning(Pos{}, "env", msg, hint);
                // The top level is used as it is, with the environment name appended to the worker name.
                if (top.contains("name") && top["name"].is_string())
                    active["name"] = top["name"].get<std::string>() + "-" + name;
            }
        }

        json config = json::object();
        config["configPath"] = rel(m_o.config_path);
        config["userConfigPath"] = rel(m_o.config_path);
        if (m_o.config_path.empty()) {
            config.erase("configPath");
            config.erase("userConfigPath");
        }
        if (!top_name.is_null()) config["topLevelName"] = top_name;
        config["definedEnvironments"] = defined;
        if (m_o.env) config["targetEnvironment"] = *m_o.env;
        if (active_is_top) {
            std::optional<json> renamed = active.contains("name") ? std::optional<json>(active["name"]) : std::nullopt;
            active = std::move(top);
            if (renamed) active["name"] = *renamed;
        }
        for (auto& [k, v] : top_only.items()) config[k] = std::move(v);
        for (auto& [k, v] : active.items()) config[k] = std::move(v);

        durable_object_warning(config, root, config);

        // Unknown top-level fields (wrangler compares against the normalized Config's keys).
        static const std::vector<std::string> known_top =
            concat({&k_top_only, &k_inheritable, &k_non_inheritable, &k_computed, &k_removed});
        unknown_fields(root, known_top, "top-level", "");

        auto by_pos = [](const Diagnostic& a, const Diagnostic& b) {
            int la = a.line ? a.line : INT_MAX, lb = b.line ? b.line : INT_MAX;
            if (la != lb) return la < lb;
            return a.column < b.column;
        };
        std::stable_sort(m_errors.begin(), m_errors.end(), by_pos);
        std::stable_sort(m_warnings.begin(), m_warnings.end(), by_pos);
        Normalized out;
        out.config = std::move(config);
        out.errors = std::move(m_errors);
        out.warnings = std::move(m_warnings);
        return out;
    }

private:
    const NormalizeOptions& m_o;
    std::string m_config_file;
    std::vector<Diagnostic> m_errors, m_warnings;

    // ------------------------------------------------------------------ diagnostics
    Diagnostic make(Severity s, Pos p, std::string path, std::string msg, std::string hint) const {
        Diagnostic d;
        d.severity = s;
        d.message = std::move(msg);
        d.file = m_o.display_path;
        d.line = p.line;
        d.column = p.column;
        d.path = std::move(path);
        d.hint = std::move(hint);
        return d;
    }
    void error(Pos p, std::string path, std::string msg, std::string hint = {}) {
        m_errors.push_back(make(Severity::Error, p, std::move(path), std::move(msg), std::move(hint)));
    }
    void warning(Pos p, std::string path, std::string msg, std::string hint = {}) {
        m_warnings.push_back(make(Severity::Warning, p, std::move(path), std::move(msg), std::move(hint)));
    }

    // False when `abs` lies below a first-level entry of the config directory that does not exist (then nothing
    // below it exists either). Registry references like "registry.example.com/app:1" are checked as paths
    // first, like wrangler does; with many containers this takes one stat per registry host, not one per image.
    bool may_exist(const std::string& abs) {
        const std::string& dir = m_o.dir;
        if (dir.empty() || abs.size() <= dir.size() + 1 || abs.compare(0, dir.size(), dir) != 0 ||
            abs[dir.size()] != '/')
            return true;
        size_t slash = abs.find('/', dir.size() + 1);
        if (slash == std::string::npos) return true;
        std::string_view first(abs.data(), slash);
        for (const auto& [path, exists] : m_first_level_exists)
            if (path == first) return exists;
        struct stat st {};
        std::string path(first);
        bool exists = ::stat(path.c_str(), &st) == 0;
        if (m_first_level_exists.size() < 64) m_first_level_exists.emplace_back(std::move(path), exists);
        return exists;
    }

    std::string rel(const std::string& abs) const {
        if (abs.empty()) return abs;
        return relative_to(abs, m_o.dir);
    }
    std::string resolve(const std::string& p) const { return rel(absolute_path(p, m_o.dir)); }

    // Type check with wrangler's message: Expected "<field>" to be of type <type> but got <value>.
    // Paths are LazyPath: the string is only built when there is something to report.
    bool expect(const Node& v, std::string_view field, const LazyPath& path, std::string_view type) {
        bool ok = (type == "string" && v.is_string()) || (type == "boolean" && v.is_bool()) ||
                  (type == "number" && v.is_number()) || (type == "object" && v.is_object()) ||
                  (type == "array" && v.is_array());
        if (!ok) {
            std::string hint;
            if (type == "string" && v.kind == Node::Kind::Date) hint = "quote the value: " + q(v.s);
            if (type == "boolean" && v.is_string() && (v.s == "true" || v.s == "false"))
                hint = "write " + v.s + " without quotes";
            if (type == "number" && v.is_string()) hint = "write the number without quotes";
            error(v.pos, path.str(),
                  "Expected " + q(field) + " to be of type " + std::string(type) + " but got " + v.js_stringify() + ".",
                  hint);
        }
        return ok;
    }

    bool expect_string_array(const Node& v, std::string_view field, const LazyPath& path) {
        bool ok =
            v.is_array() && std::all_of(v.items.begin(), v.items.end(), [](const Node& e) { return e.is_string(); });
        if (!ok)
            error(v.pos, path.str(),
                  "Expected " + q(field) + " to be of type string array but got " + v.js_stringify() + ".");
        return ok;
    }

    void unknown_fields(const Node& obj, const std::vector<std::string>& known, const LazyPath& where,
                        const LazyPath& path_prefix) {
        if (!obj.is_object()) return;
        for (const auto& m : obj.items) {
            if (contains(known, m.key)) continue;
            std::string w = where.str();
            std::string hint;
            if (starts_with(w, "env.") && contains(k_top_only, m.key)) {
                hint = q(m.key) + " is only allowed at the top level of the file, not inside an environment";
            } else {
                hint = closest_match(m.key, known);
                if (!hint.empty()) hint = "did you mean " + q(hint) + "?";
            }
            warning(m.key_pos, path_prefix.str() + m.key, "Unexpected fields found in " + w + " field: " + q(m.key),
                    hint);
        }
    }

    // ------------------------------------------------------------------ sections
    json section(const SectionCtx& sc) {
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
        for (const auto& f : k_inheritable) {
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
            if (m) v = inheritable_value(f, *m, P);
            if (m && f == "logfwdr" && sc.env && sc.raw_top) missing_env_bindings(f, *m, sc);
            if (f == "account_id" && m && m->is_string() && m->s.empty()) present = false;  // dropped, inherits
            if (v) {
                out[f] = *v;
            } else if (!present && sc.top && sc.top->contains(f)) {
                out[f] = (*sc.top)[f];
            } else if (!present) {
                if (auto d = inheritable_default(f)) out[f] = *d;
            }
        }
        if (const Node* r1 = raw.find("route"); r1 && raw.find("routes")) {
            error(r1->key_pos, P + "route", "Expected exactly one of the following fields [\"routes\",\"route\"].",
                  "use only \"routes\" (a list) or \"route\" (a single pattern)");
        }

        // ---- non-inheritable fields
        for (const auto& f : k_non_inheritable) {
            const Node* m = raw.find(f);
            if (m) {
                out[f] = non_inheritable_value(f, *m, sc);
                if (sc.env && sc.raw_top) missing_env_bindings(f, *m, sc);
                continue;
            }
            if (sc.env && sc.raw_top && sc.raw_top->find(f)) {
                warning(sc.pos, P + f,
                        q(f) + " exists at the top level, but not on " + q("env." + *sc.env) +
                            ".\nThis is not what you probably want, since " + q(f) +
                            " is not inherited by environments.\nPlease add " + q(f) + " to " + q("env." + *sc.env) +
                            ".");
            }
            if (k_array_defaults.count(f))
                out[f] = json::array();
            else if (f == "define" || f == "vars" || f == "cloudchamber" || f == "unsafe")
                out[f] = json::object();
            else if (f == "durable_objects")
                out[f] = {{"bindings", json::array()}};
            else if (f == "queues")
                out[f] = {{"producers", json::array()}, {"consumers", json::array()}};
        }

        if (sc.env) {
            static const std::vector<std::string> known_env = concat({&k_inheritable, &k_non_inheritable, &k_removed});
            unknown_fields(raw, known_env, "env." + *sc.env, P);
        }
        unique_binding_names(raw, P);
        return out;
    }

    // ---- "not inherited" per binding name: an environment that has its own list of a binding kind but lacks a
    // name the top level binds. Wrangler checks two shapes: binding arrays (one warning per name, "binding"
    // key; a list keyed by "name" such as send_email only warns, as "undefined", when the environment's list is
    // empty) and objects with a "bindings" list keyed by "name" (one warning listing every name).
    void missing_env_bindings(const std::string& f, const Node& v, const SectionCtx& sc) {
        static const std::set<std::string> k_binding_arrays = {"workflows",
                                                               "kv_namespaces",
                                                               "send_email",
                                                               "r2_buckets",
                                                               "d1_databases",
                                                               "vectorize",
                                                               "ai_search_namespaces",
                                                               "ai_search",
                                                               "agent_memory",
                                                               "hyperdrive",
                                                               "services",
                                                               "analytics_engine_datasets",
                                                               "dispatch_namespaces",
                                                               "mtls_certificates",
                                                               "pipelines",
                                                               "k2",
                                                               "secrets_store_secrets",
                                                               "artifacts",
                                                               "unsafe_hello_world",
                                                               "flagship",
                                                               "worker_loaders",
                                                               "ratelimits",
                                                               "vpc_services",
                                                               "vpc_networks"};
        const Node* top = sc.raw_top->find(f);
        const std::string env = "env." + *sc.env;
        if (k_binding_arrays.count(f)) {
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
                        "There is a " + f + " binding with name " + q(name) + " at the top level, but not on " +
                            q(env) + ".\nThis is not what you probably want, since " + q(f) +
                            " configuration is not inherited by environments.\nPlease add a binding for " + q(name) +
                            " to " + q(env + "." + f + ".bindings") + ".",
                        hint);
            }
            return;
        }
        if (f != "durable_objects" && f != "unsafe" && f != "logfwdr") return;
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

    // A binding name as JavaScript's Set sees it: a type tag, then the text as a template string prints it.
    static std::string js_key(const Node* n) {
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
    static std::vector<std::string> binding_names(const Node* top, bool defaults_bindings) {
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

    void validate_name(const Node& v, const std::string& path) {
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

    std::optional<json> inheritable_default(const std::string& f) const {
        if (f == "compatibility_flags" || f == "rules" || f == "migrations") return json::array();
        if (f == "jsx_factory") return json("React.createElement");
        if (f == "jsx_fragment") return json("React.Fragment");
        if (f == "triggers" || f == "exports") return json::object();
        if (f == "build") return json{{"watch_dir", resolve("./src")}};
        if (f == "logfwdr") return json{{"bindings", json::array()}};
        if (f == "python_modules") return json{{"exclude", json::array({"**/*.pyc"})}};
        return std::nullopt;
    }

    // Validates one inheritable field written in this section and returns its normalized value
    // (nullopt = treat as not set).
    std::optional<json> inheritable_value(const std::string& f, const Node& v, const std::string& P) {
        const std::string path = P + f;
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
                      "\"compatibility_date\" field should be a valid ISO-8601 date (YYYY-MM-DD), but got " + q(v.s) +
                          ".",
                      "for example \"2025-06-01\"");
            }
            return v.to_json();
        }
        if (f == "compatibility_flags") {
            expect_string_array(v, f, path);
            return v.to_json();
        }
        if (f == "main" || f == "base_dir" || f == "tsconfig") {
            if (!expect(v, f, path, "string")) return v.to_json();
            return json(resolve(v.s));
        }
        if (f == "find_additional_modules" || f == "preserve_file_names" || f == "workers_dev" || f == "preview_urls" ||
            f == "no_bundle" || f == "minify" || f == "keep_names" || f == "first_party_worker" || f == "logpush" ||
            f == "upload_source_maps") {
            expect(v, f, path, "boolean");
            return v.to_json();
        }
        if (f == "jsx_factory" || f == "jsx_fragment" || f == "compliance_region") {
            expect(v, f, path, "string");
            return v.to_json();
        }
        if (f == "route") {
            validate_route(v, f, path);
            return v.to_json();
        }
        if (f == "routes") {
            if (expect(v, f, path, "array"))
                for (size_t i = 0; i < v.items.size(); ++i)
                    validate_route(v.items[i], "routes[" + std::to_string(i) + "]",
                                   path + "[" + std::to_string(i) + "]");
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
        if (f == "exports" || f == "assets" || f == "logfwdr" || f == "python_modules" || f == "access" ||
            f == "cache" || f == "previews") {
            expect(v, f, path, "object");
            return v.to_json();
        }
        if (f == "rules") {
            expect(v, f, path, "array");
            return v.to_json();
        }
        return v.to_json();
    }

    void validate_route(const Node& v, const std::string& field, const std::string& path) {
        bool ok = v.is_string() || (v.is_object() && v.find("pattern") && v.find("pattern")->is_string());
        if (!ok) {
            error(v.pos, path,
                  "Expected " + q(field) +
                      " to be either a string, or an object with shape { pattern, custom_domain, zone_id | zone_name "
                      "}, but got " +
                      v.js_stringify() + ".");
        }
    }

    json normalize_build(const Node& v, const std::string& path) {
        json out = json::object();
        if (!expect(v, "build", path, "object")) return inheritable_default("build").value();
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
                error(w->pos, path + ".watch_dir",
                      "Expected \"build.watch_dir\" to be of type string or string array but got " + w->js_stringify() +
                          ".");
            }
        } else {
            out["watch_dir"] = resolve("./src");
        }
        return out;
    }

    void validate_observability(const Node& v, const std::string& path) {
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

    void validate_migrations(const Node& v, const std::string& path) {
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
                              " to be an array of {from: string, to: string} objects but got " + n->js_stringify() +
                              ".");
            }
            unknown_fields(m,
                           {"tag", "new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes",
                            "transferred_classes"},
                           field, p + ".");
        }
    }

    json normalize_dev(const Node* v) {
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

    // ---- non-inheritable values
    json non_inheritable_value(const std::string& f, const Node& v, const SectionCtx& sc) {
        const std::string path = sc.prefix + f;
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
                            error(e.pos, p,
                                  "Expected " + q(field) + " to be an object but got " + e.js_stringify() + ".");
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
            binding_array(v, f, path, {"binding", "id", "preview_id", "remote"}, {"binding"}, {"id", "preview_id"},
                          {"id"});
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
            binding_array(
                v, f, path,
                {"binding", "database_id", "database_name", "preview_database_id", "migrations_table", "migrations_dir",
                 "migrations_pattern", "database_internal_env", "remote"},
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
        if (k_array_defaults.count(f)) {
            expect(v, f, path, "array");
            return v.to_json();
        }
        if (f == "cloudchamber" || f == "browser" || f == "ai" || f == "images" || f == "stream" || f == "media" ||
            f == "version_metadata" || f == "analytics") {
            expect(v, f, path, "object");
        }
        return v.to_json();
    }

    // Checks an array of binding objects; returns false when `v` is not an array.
    static bool all_known(const Node& obj, const std::vector<std::string>& known) {
        if (known.empty()) return true;
        for (const auto& m : obj.items)
            if (!contains(known, m.key)) return false;
        return true;
    }
    static bool required_ok(const Node& obj, const std::vector<std::string>& required) {
        for (const auto& r : required)
            if (const Node* n = obj.find(r); !n || !n->is_string()) return false;
        return true;
    }
    static bool optional_ok(const Node& obj, const std::vector<std::string>& optional_strings) {
        for (const auto& o : optional_strings)
            if (const Node* n = obj.find(o); n && !n->is_string()) return false;
        return true;
    }
    static bool nonempty_ok(const Node& obj, const std::vector<std::string>& nonempty) {
        for (const auto& o : nonempty)
            if (const Node* n = obj.find(o); n && n->is_string() && n->s.empty()) return false;
        return true;
    }

    // Messages name the entry by its path ("env.staging.kv_namespaces[0]"), like wrangler. `nonempty`: optional
    // string fields that must not be "" when given (wrangler: KV "id").
    bool binding_array(const Node& v, const std::string& field, const std::string& path,
                       const std::vector<std::string>& known, const std::vector<std::string>& required,
                       const std::vector<std::string>& optional_strings,
                       const std::vector<std::string>& nonempty = {}) {
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
                error(e.pos, p,
                      q(field + "[" + std::to_string(i) + "]") + " bindings should be objects, but got " +
                          e.js_stringify());
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
                          q(f) + " bindings should" + (contains(nonempty, o) ? "" : ", optionally,") +
                              " have a string " + q(o) + " field but got " + e.js_stringify() + ".");
            }
            if (!known.empty()) unknown_fields(e, known, f, {p, "."});
        }
        return true;
    }

    // ---- containers
    json normalize_containers(const Node& v, const SectionCtx& sc) {
        const std::string path = sc.prefix + "containers";
        if (!v.is_array()) {
            error(v.pos, path, "The field \"containers\" should be an array but got " + v.js_stringify() + ".");
            return v.to_json();
        }
        // The worker name used for default container names: the section's own name, else the top level's.
        std::optional<std::string> worker;
        if (const Node* n = sc.raw->find("name"); n && n->is_string())
            worker = n->s;
        else if (sc.raw_top)
            if (const Node* t = sc.raw_top->find("name"); t && t->is_string()) worker = t->s;
        json out = json::array();
        for (size_t i = 0; i < v.items.size(); ++i) out.push_back(normalize_container(v.items[i], i, path, sc, worker));
        return out;
    }

    json normalize_container(const Node& c, size_t idx, const std::string& base, const SectionCtx& sc,
                             const std::optional<std::string>& worker) {
        const std::string p = base + "[" + std::to_string(idx) + "]";
        if (!c.is_object()) {
            error(c.pos, p, "\"containers\" entries should be objects, but got " + c.js_stringify() + ".");
            return c.to_json();
        }
        json out = c.to_json();
        unknown_fields(c, k_container_keys, "containers", {p, "."});

        const Node* name = c.find("name");
        const Node* class_name = c.find("class_name");
        if (class_name) expect(*class_name, "containers.class_name", {p, ".class_name"}, "string");
        if (name) {
            expect(*name, "containers.name", {p, ".name"}, "string");
        } else if (class_name && class_name->is_string() && worker) {
            std::string n = to_lower(*worker + "-" + class_name->s);
            if (sc.env) n += "-" + *sc.env;
            for (char& ch : n)
                if (ch == ' ') ch = '-';
            out["name"] = n;
        } else {
            error(c.pos, p + ".name",
                  "\"containers.name\" is required when there is no \"class_name\" and top-level \"name\" to derive it "
                  "from.",
                  "set name, or class_name together with the worker's name");
        }

        // The deprecated `configuration` block: kept as written; its `image` is used when there is no `image`.
        const Node* configuration = c.find("configuration");
        if (configuration) {
            warning(configuration->key_pos, p + ".configuration",
                    "\"containers.configuration\" is deprecated. Use top level \"containers\" fields instead. "
                    "\"configuration.image\" should be \"image\", limits should be set via \"instance_type\".",
                    "move \"configuration.image\" to \"image\", and the limits to \"instance_type\"");
            if (!configuration->is_object()) {
                error(configuration->pos, p + ".configuration", "\"containers.configuration\" should be an object");
                configuration = nullptr;
            } else {
                const Node* it = c.find("instance_type");
                bool preset = it && ((it->is_string() && !it->s.empty()) || it->is_object() || it->is_array() ||
                                     (it->is_bool() && it->b) || (it->is_number() && it->number() != 0));
                for (const char* k : {"disk", "vcpu", "memory_mib"}) {
                    const Node* n = configuration->find(k);
                    if (!preset || !n) continue;
                    error(n->key_pos, p + ".configuration." + k,
                          "Cannot set custom limits via \"containers.configuration\" and use preset \"instance_type\" "
                          "limits at the same time.",
                          "remove \"configuration." + std::string(k) + "\" and keep \"instance_type\"");
                    break;
                }
                unknown_fields(*configuration, {"image", "secrets", "labels", "disk", "vcpu", "memory_mib"},
                               "containers.configuration", {p, ".configuration."});
            }
        }

        // image: a Dockerfile path (relative to the config file), or a registry reference with a tag.
        const Node* image = c.find("image");
        std::string image_path = p + ".image";
        if (!image && configuration)
            if ((image = configuration->find("image"))) image_path = p + ".configuration.image";
        if (!image) {
            error(c.pos, p + ".image", "\"containers.image\" field is required.",
                  "a path to a Dockerfile (e.g. \"./Dockerfile\") or a registry image with a tag (e.g. "
                  "\"docker.io/httpd:1\")");
        } else if (expect(*image, "containers.image", image_path, "string")) {
            out["image"] = image->s;  // also when it came from "configuration.image"
            std::string abs = absolute_path(image->s, m_o.dir);
            struct stat st {};
            bool found = m_o.check_files && !image->s.empty() && may_exist(abs) && ::stat(abs.c_str(), &st) == 0;
            bool is_dir = found && S_ISDIR(st.st_mode);
            bool is_file = found && S_ISREG(st.st_mode);
            if (is_dir) {
                error(image->pos, image_path, rel(abs) + " is a directory, you should specify a path to the Dockerfile",
                      "e.g. \"" + rel(join_path(abs, "Dockerfile")) + "\"");
            } else if (is_file) {
                out["image"] = rel(abs);
                if (!c.find("image_build_context")) out["image_build_context"] = rel(parent_dir(abs));
            } else if (!valid_registry_image(image->s)) {
                std::string hint = "no file " + rel(abs) + " exists either";
                error(image->pos, image_path,
                      "The image " + q(image->s) +
                          " does not appear to be a valid path to a Dockerfile, or a valid image registry path:\nIf "
                          "this is "
                          "an image registry path, it needs to include at least a tag ':' (e.g: docker.io/httpd:1)",
                      hint);
            }
        }
        if (const Node* ctx = c.find("image_build_context")) {
            if (expect(*ctx, "containers.image_build_context", {p, ".image_build_context"}, "string"))
                out["image_build_context"] = resolve(ctx->s);
        }
        if (const Node* iv = c.find("image_vars")) expect(*iv, "containers.image_vars", {p, ".image_vars"}, "object");

        std::optional<double> max_instances;
        if (const Node* mi = c.find("max_instances")) {
            if (!mi->is_number() || mi->number() < 0)
                error(mi->pos, p + ".max_instances",
                      "\"containers.max_instances\" field should be a positive number, but got " + mi->js_stringify());
            else
                max_instances = mi->number();
        }
        if (const Node* it = c.find("instance_type")) {
            static const std::vector<std::string> types = {"dev",        "basic",      "standard",   "lite",
                                                           "standard-1", "standard-2", "standard-3", "standard-4"};
            if (it->is_object()) {
                for (const char* k : {"vcpu", "memory_mib", "disk_mb"})
                    if (const Node* n = it->find(k))
                        expect(*n, std::string("containers.instance_type.") + k, p + ".instance_type." + k, "number");
                unknown_fields(*it, {"vcpu", "memory_mib", "disk_mb"}, "containers.instance_type",
                               p + ".instance_type.");
            } else if (!it->is_string() || !contains(types, it->s)) {
                std::string hint;
                if (it->is_string()) hint = closest_match(it->s, types);
                if (!hint.empty()) hint = "did you mean " + q(hint) + "?";
                error(
                    it->pos, p + ".instance_type",
                    "\"containers.instance_type\" should be one of 'lite', 'basic', 'standard-1', 'standard-2', "
                    "'standard-3', 'standard-4' (or legacy 'dev', 'standard'), or an object with vcpu, memory_mib and "
                    "disk_mb, but got " +
                        it->js_stringify(),
                    hint);
            }
        }
        if (const Node* r = c.find("rollout_step_percentage")) {
            static const std::vector<double> allowed = {5, 10, 20, 25, 50, 100};
            if (r->is_number()) {
                if (std::find(allowed.begin(), allowed.end(), r->number()) == allowed.end())
                    error(r->pos, p + ".rollout_step_percentage",
                          "\"containers.rollout_step_percentage\" must be one of [5, 10, 20, 25, 50, 100], but got " +
                              js_number(r->number()));
            } else if (r->is_array()) {
                bool ok = !r->items.empty();
                double prev = 0;
                for (const auto& e : r->items) {
                    if (!e.is_number() || e.number() < 10 || e.number() > 100 || e.number() <= prev) ok = false;
                    if (e.is_number()) prev = e.number();
                }
                if (ok && r->items.back().number() != 100) ok = false;
                if (!ok) {
                    error(r->pos, p + ".rollout_step_percentage",
                          "\"containers.rollout_step_percentage\" array must hold ascending numbers between 10 and 100 "
                          "that end "
                          "with 100, but got " +
                              r->js_stringify());
                } else {
                    double limit = max_instances.value_or(20);
                    if (static_cast<double>(r->items.size()) > limit)
                        error(r->pos, p + ".rollout_step_percentage",
                              "\"containers.rollout_step_percentage\" has " + std::to_string(r->items.size()) +
                                  " steps, more than \"containers.max_instances\" (" + js_number(limit) + ")");
                }
            } else {
                error(r->pos, p + ".rollout_step_percentage",
                      "\"containers.rollout_step_percentage\" must be a number or an array of numbers, but got " +
                          r->js_stringify());
            }
        }
        if (const Node* k = c.find("rollout_kind")) {
            if (!k->is_string() || (k->s != "full_auto" && k->s != "full_manual" && k->s != "none"))
                error(k->pos, p + ".rollout_kind",
                      "\"containers.rollout_kind\" field should be one of \"full_auto\", \"full_manual\" or \"none\", "
                      "but got " +
                          k->js_stringify());
        }
        if (const Node* g = c.find("rollout_active_grace_period")) {
            if (!g->is_number() || g->number() < 0)
                error(g->pos, p + ".rollout_active_grace_period",
                      "\"containers.rollout_active_grace_period\" field should be a positive number, but got " +
                          g->js_stringify());
        }
        if (const Node* s = c.find("scheduling_policy")) {
            if (!s->is_string() ||
                (s->s != "default" && s->s != "moon" && s->s != "regional" && s->s != "durable_object"))
                error(s->pos, p + ".scheduling_policy",
                      "\"containers.scheduling_policy\" field should be one of \"default\", \"moon\", \"regional\" or "
                      "\"durable_object\", but got " +
                          s->js_stringify());
        }
        for (const char* k : {"constraints", "affinities", "observability", "unsafe"})
            if (const Node* n = c.find(k)) expect(*n, std::string("containers.") + k, p + "." + k, "object");

        // ssh is normalized to wrangler_ssh (the Containers API's name); with both, ssh wins.
        const Node* ssh = c.find("ssh");
        const Node* wrangler_ssh = c.find("wrangler_ssh");
        if (wrangler_ssh)
            warning(wrangler_ssh->key_pos, p + ".wrangler_ssh",
                    "\"containers.wrangler_ssh\" is deprecated. Use \"containers.ssh\" instead.",
                    ssh ? "\"ssh\" is set too and is the one used; remove \"wrangler_ssh\""
                        : "rename \"wrangler_ssh\" to \"ssh\"");
        if (ssh) {
            validate_container_ssh(*ssh, "containers.ssh", p + ".ssh");
            out["wrangler_ssh"] = out["ssh"];
            out.erase("ssh");
        } else if (wrangler_ssh) {
            validate_container_ssh(*wrangler_ssh, "containers.wrangler_ssh", p + ".wrangler_ssh");
        }
        return out;
    }

    // wrangler's container ssh check: {enabled: boolean (required), port?: integer 1..65535}.
    void validate_container_ssh(const Node& v, const std::string& field, const std::string& path) {
        const Node* enabled = v.is_object() ? v.find("enabled") : nullptr;
        if (!enabled || !enabled->is_bool())
            error(enabled ? enabled->pos : v.pos, path + ".enabled", field + ".enabled must be a boolean",
                  enabled ? "" : "add enabled = true");
        const Node* port = v.is_object() ? v.find("port") : nullptr;
        if (port && (!port->is_number() || std::trunc(port->number()) != port->number() || port->number() < 1 ||
                     port->number() > 65535))
            error(port->pos, path + ".port", field + ".port must be a number between 1 and 65535 inclusive");
    }

    // ---- cross-field checks
    void unique_binding_names(const Node& raw, const std::string& P) {
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
        std::stable_sort(dups.begin(), dups.end(),
                         [&](const Dup& a, const Dup& b) { return before(a.second, b.second); });
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

    void durable_object_warning(const json& config, const Node& root, const json& active) {
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
};

}  // namespace

Normalized normalize(const Node& root, const NormalizeOptions& options) {
    return Normalizer(options).run(root);
}

}  // namespace tenantctl::config
