#include "core/env.hpp"

#include <cstdlib>

namespace tenantctl {

Env Env::system() {
    return Env([](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());  // the one place getenv is called
        if (!v) return std::nullopt;
        return std::string(v);
    });
}

Env Env::from_map(std::map<std::string, std::string> values) {
    return Env([values = std::move(values)](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    });
}

std::string Env::get_or(std::string_view name, std::string fallback) const {
    auto v = get(name);
    return (v && !v->empty()) ? *v : std::move(fallback);
}

bool Env::has(std::string_view name) const {
    auto v = get(name);
    return v && !v->empty();
}

static std::string xdg(const Env& env, std::string_view var, std::string_view fallback_under_home) {
    if (auto v = env.get(var); v && !v->empty() && (*v)[0] == '/') return *v;
    return env.get_or("HOME", "/tmp") + "/" + std::string(fallback_under_home);
}

std::string Env::config_home() const {
    return xdg(*this, "XDG_CONFIG_HOME", ".config");
}
std::string Env::data_home() const {
    return xdg(*this, "XDG_DATA_HOME", ".local/share");
}
std::string Env::cache_home() const {
    return xdg(*this, "XDG_CACHE_HOME", ".cache");
}

}  // namespace tenantctl
