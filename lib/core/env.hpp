#pragma once
// Environment lookup, injected everywhere lib/ needs an environment variable (never getenv directly).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tenantctl {

class Env {
public:
    using Lookup = std::function<std::optional<std::string>(std::string_view)>;

    explicit Env(Lookup lookup) : m_lookup(std::move(lookup)) {}
    static Env system();  // the process environment
    static Env from_map(std::map<std::string, std::string> values);

    std::optional<std::string> get(std::string_view name) const { return m_lookup(name); }
    // Unset and empty are the same for this helper.
    std::string get_or(std::string_view name, std::string fallback) const;
    bool has(std::string_view name) const;

    // XDG base directories (with the usual fallbacks to $HOME).
    std::string config_home() const;
    std::string data_home() const;
    std::string cache_home() const;

private:
    Lookup m_lookup;
};

}  // namespace tenantctl
