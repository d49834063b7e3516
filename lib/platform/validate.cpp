#include "platform/validate.hpp"

#include "core/sha256.hpp"

namespace tenantctl::platform {

std::string check_key(const ScriptCheck& s) {
    // Every variable-length field is length-prefixed, so no two inputs give the same text.
    std::string text;
    auto field = [&](const std::string& v) {
        text += std::to_string(v.size());
        text += ':';
        text += v;
    };
    field(s.main);
    field(s.has_modules ? "modules" : "service-worker");
    field(s.compatibility_date);
    field(std::to_string(s.compatibility_flags.size()));
    for (auto& f : s.compatibility_flags) field(f);
    field(std::to_string(s.modules.size()));
    for (auto& m : s.modules) {
        field(m.name);
        field(media_type(m.content_type));
        field(sha256_hex(m.body));
    }
    nlohmann::json shapes = nlohmann::json::array();
    if (s.bindings.is_array())
        for (auto& b : s.bindings) {
            if (!b.is_object()) continue;
            nlohmann::json shape = nlohmann::json::object();
            for (const char* k : {"type", "name", "class_name", "part"})
                if (b.contains(k)) shape[k] = b[k];
            shapes.push_back(std::move(shape));
        }
    field(shapes.dump());
    return sha256_hex(text);
}

}  // namespace tenantctl::platform
