// config::normalize(): the run (top level, the selected environment, the merged config), diagnostics, and the
// checks every part of the Normalizer shares. The parts are listed in normalizer.hpp.
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>

#include "config/normalizer.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace tenantctl::config {

namespace fields {

std::vector<std::string> keys_of(std::initializer_list<Kind> kinds) {
    std::vector<std::string> out;
    for (Kind k : kinds)
        for (const Field& f : k_fields)
            if (f.kind == k) out.emplace_back(f.key);
    return out;
}

}  // namespace fields

namespace detail {

std::string js_number(double v) {
    if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) < 1e21) return std::to_string(static_cast<long long>(v));
    json j = v;
    return j.dump();
}

Normalizer::Normalizer(const NormalizeOptions& o) : m_o(o) {
    m_config_file =
        o.config_path.empty() ? std::string("wrangler.toml") : std::filesystem::path(o.config_path).filename().string();
}

Normalized Normalizer::run(const Node& root_in) {
    static const Node k_empty = [] {
        Node n;
        n.kind = Node::Kind::Object;
        return n;
    }();
    const Node& root = root_in.is_object() ? root_in : k_empty;

    json top_only = top_level_only(root);

    std::vector<std::string> defined;
    const Node* env_node = root.find("env");
    if (env_node && !env_node->is_object()) {
        error(env_node->pos, "env", "The field \"env\" should be an object but got " + env_node->js_stringify() + ".");
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
            msg += "\nConsider adding an environment configuration section to the " + m_config_file + " file:\n```\n" +
                   snippet + "\n```";
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
        fields::keys_of({fields::Kind::TopLevelOnly, fields::Kind::Inheritable, fields::Kind::NonInheritable,
                         fields::Kind::Computed, fields::Kind::Removed});
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

Diagnostic Normalizer::make(Severity s, Pos p, std::string path, std::string msg, std::string hint) const {
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

void Normalizer::error(Pos p, std::string path, std::string msg, std::string hint) {
    m_errors.push_back(make(Severity::Error, p, std::move(path), std::move(msg), std::move(hint)));
}

void Normalizer::warning(Pos p, std::string path, std::string msg, std::string hint) {
    m_warnings.push_back(make(Severity::Warning, p, std::move(path), std::move(msg), std::move(hint)));
}

// False when `abs` lies below a first-level entry of the config directory that does not exist (then nothing
// below it exists either). Registry references like "registry.example.com/app:1" are checked as paths
// first, like wrangler does; with many containers this takes one stat per registry host, not one per image.
bool Normalizer::may_exist(const std::string& abs) {
    const std::string& dir = m_o.dir;
    if (dir.empty() || abs.size() <= dir.size() + 1 || abs.compare(0, dir.size(), dir) != 0 || abs[dir.size()] != '/')
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

std::string Normalizer::rel(const std::string& abs) const {
    if (abs.empty()) return abs;
    return relative_to(abs, m_o.dir);
}

std::string Normalizer::resolve(const std::string& p) const {
    return rel(absolute_path(p, m_o.dir));
}

// Type check with wrangler's message: Expected "<field>" to be of type <type> but got <value>.
// Paths are LazyPath: the string is only built when there is something to report.
bool Normalizer::expect(const Node& v, std::string_view field, const LazyPath& path, std::string_view type) {
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

bool Normalizer::expect_string_array(const Node& v, std::string_view field, const LazyPath& path) {
    bool ok = v.is_array() && std::all_of(v.items.begin(), v.items.end(), [](const Node& e) { return e.is_string(); });
    if (!ok)
        error(v.pos, path.str(),
              "Expected " + q(field) + " to be of type string array but got " + v.js_stringify() + ".");
    return ok;
}

bool Normalizer::expect_type(const fields::Field& f, const Node& v, const std::string& path) {
    switch (f.type) {
        case fields::Type::Boolean:
            return expect(v, f.key, path, "boolean");
        case fields::Type::String:
        case fields::Type::Path:
            return expect(v, f.key, path, "string");
        case fields::Type::Object:
            return expect(v, f.key, path, "object");
        case fields::Type::Array:
            return expect(v, f.key, path, "array");
        case fields::Type::Any:
        case fields::Type::Custom:
            break;
    }
    return true;
}

void Normalizer::unknown_fields(const Node& obj, const std::vector<std::string>& known, const LazyPath& where,
                                const LazyPath& path_prefix) {
    if (!obj.is_object()) return;
    for (const auto& m : obj.items) {
        if (contains(known, m.key)) continue;
        std::string w = where.str();
        std::string hint;
        if (starts_with(w, "env.") && fields::is(m.key, fields::Kind::TopLevelOnly)) {
            hint = q(m.key) + " is only allowed at the top level of the file, not inside an environment";
        } else {
            hint = closest_match(m.key, known);
            if (!hint.empty()) hint = "did you mean " + q(hint) + "?";
        }
        warning(m.key_pos, path_prefix.str() + m.key, "Unexpected fields found in " + w + " field: " + q(m.key), hint);
    }
}

}  // namespace detail

Normalized normalize(const Node& root, const NormalizeOptions& options) {
    return detail::Normalizer(options).run(root);
}

}  // namespace tenantctl::config
