#pragma once
// Reading optional fields of JSON objects without exceptions.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tenantctl {

// o[key], or a null value when `o` is not an object or has no such key.
inline const nlohmann::json& json_at(const nlohmann::json& o, std::string_view key) {
    static const nlohmann::json null_json;
    if (!o.is_object()) return null_json;
    auto it = o.find(key);
    return it == o.end() ? null_json : *it;
}

// o[key] when it is a string, else "".
inline std::string json_string(const nlohmann::json& o, std::string_view key) {
    const nlohmann::json& v = json_at(o, key);
    return v.is_string() ? v.get<std::string>() : std::string();
}

// o[key] as text: a string as it is, another value as JSON, a null or missing one as "".
inline std::string json_text(const nlohmann::json& o, std::string_view key) {
    const nlohmann::json& v = json_at(o, key);
    return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
}

// o[key] when it is a boolean, else `fallback` (`.value(key, false)` throws when the field is null).
inline bool json_bool(const nlohmann::json& o, std::string_view key, bool fallback) {
    const nlohmann::json& v = json_at(o, key);
    return v.is_boolean() ? v.get<bool>() : fallback;
}

// o[key] when it is an integer (or a float with an integral value), else `fallback`.
inline int64_t json_int(const nlohmann::json& o, std::string_view key, int64_t fallback) {
    const nlohmann::json& v = json_at(o, key);
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
    }
    return fallback;
}

}  // namespace tenantctl
