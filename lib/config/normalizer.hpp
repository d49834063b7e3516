#pragma once
// The Normalizer behind config::normalize() (internal to lib/config). It follows wrangler 4.164's
// normalizeAndValidateConfig / normalizeAndValidateEnvironment: the field model of fields.hpp, defaults, messages
// and environment rules. Every problem is collected (nothing stops at the first one), each with a position.
//
//   normalize.cpp    the run (environment selection, the merged config), diagnostics, the shared checks
//   environment.cpp  one section (top level or env.NAME): inheritance, defaults, "not inherited" warnings
//   inheritable.cpp  values of top-level-only and inheritable fields (name, dates, routes, triggers, build, …)
//   bindings.cpp     values of non-inheritable fields (vars, bindings), unique binding names, the DO warning
//   containers.cpp   containers[]
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/fields.hpp"
#include "config/node.hpp"
#include "core/diagnostic.hpp"

namespace tenantctl::config::detail {

using json = nlohmann::json;

inline std::string q(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

inline bool contains(const std::vector<std::string>& v, std::string_view s) {
    for (const auto& e : v)
        if (e == s) return true;
    return false;
}

// How JavaScript prints a number in a template string.
std::string js_number(double v);

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

class Normalizer {
public:
    explicit Normalizer(const NormalizeOptions& o);
    Normalized run(const Node& root);

private:
    const NormalizeOptions& m_o;
    std::string m_config_file;
    std::vector<Diagnostic> m_errors, m_warnings;
    std::vector<std::pair<std::string, bool>> m_first_level_exists;  // may_exist's cache, for one run

    // ---- normalize.cpp: diagnostics, paths, the shared checks
    Diagnostic make(Severity s, Pos p, std::string path, std::string msg, std::string hint) const;
    void error(Pos p, std::string path, std::string msg, std::string hint = {});
    void warning(Pos p, std::string path, std::string msg, std::string hint = {});
    bool may_exist(const std::string& abs);
    std::string rel(const std::string& abs) const;
    std::string resolve(const std::string& p) const;
    bool expect(const Node& v, std::string_view field, const LazyPath& path, std::string_view type);
    bool expect_string_array(const Node& v, std::string_view field, const LazyPath& path);
    // The check of a field's fields::Type (none for Any, Custom); false when it fails.
    bool expect_type(const fields::Field& f, const Node& v, const std::string& path);
    void unknown_fields(const Node& obj, const std::vector<std::string>& known, const LazyPath& where,
                        const LazyPath& path_prefix);

    // ---- environment.cpp
    json section(const SectionCtx& sc);
    void missing_env_bindings(const fields::Field& field, const Node& v, const SectionCtx& sc);
    // What a section that does not set `f` gets (fields::Default), or nullopt.
    std::optional<json> field_default(const fields::Field& f) const;

    // ---- inheritable.cpp
    json top_level_only(const Node& root);
    json normalize_dev(const Node* v);
    void validate_name(const Node& v, const std::string& path);
    std::optional<json> inheritable_value(const fields::Field& field, const Node& v, const std::string& P);
    void validate_route(const Node& v, const std::string& field, const std::string& path);
    json normalize_build(const Node& v, const std::string& path);
    void validate_observability(const Node& v, const std::string& path);
    void validate_migrations(const Node& v, const std::string& path);

    // ---- bindings.cpp
    json non_inheritable_value(const fields::Field& field, const Node& v, const SectionCtx& sc);
    bool binding_array(const Node& v, const std::string& field, const std::string& path,
                       const std::vector<std::string>& known, const std::vector<std::string>& required,
                       const std::vector<std::string>& optional_strings, const std::vector<std::string>& nonempty = {});
    void unique_binding_names(const Node& raw, const std::string& P);
    void durable_object_warning(const json& config, const Node& root, const json& active);

    // ---- containers.cpp
    json normalize_containers(const Node& v, const SectionCtx& sc);
    json normalize_container(const Node& c, size_t idx, const std::string& base, const SectionCtx& sc,
                             const std::optional<std::string>& worker);
    void validate_container_ssh(const Node& v, const std::string& field, const std::string& path);
};

}  // namespace tenantctl::config::detail
