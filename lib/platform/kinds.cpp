#include "platform/kinds.hpp"

namespace tenantctl::platform {

std::string stored_modules_boundary(const std::string& blob) {
    auto eol = blob.find("\r\n");
    if (blob.size() < 2 || blob.compare(0, 2, "--") != 0 || eol == std::string::npos) return "none";
    return blob.substr(2, eol - 2);
}

std::vector<MultipartPart> stored_modules(const std::string& blob) {
    auto parts = parse_multipart("multipart/form-data; boundary=\"" + stored_modules_boundary(blob) + "\"", blob);
    if (!parts.ok()) return {};
    return std::move(parts.value());
}

nlohmann::json script_doc_for_version(const nlohmann::json& script_doc, const nlohmann::json& version_doc) {
    using nlohmann::json;
    json doc = script_doc;
    if (!version_doc.is_object() || !version_doc.contains("_deploy") || !version_doc["_deploy"].is_object()) return doc;
    const json& d = version_doc["_deploy"];
    doc["main"] = d.value("main", doc.value("main", std::string()));
    doc["modules"] = d.value("modules", doc.value("modules", json::array()));
    doc["script"]["has_modules"] = d.value("has_modules", true);
    const json st = d.value("settings", json::object());
    for (const char* k : {"compatibility_date", "compatibility_flags", "usage_model", "limits"})
        if (st.contains(k)) doc["settings"][k] = st[k];
    if (st.contains("bindings") && st["bindings"].is_array()) {
        json plain = json::array();  // secrets stay with the script (its secret store)
        for (auto& b : st["bindings"])
            if (b.is_object() && b.value("type", std::string()) != "secret_text" &&
                b.value("type", std::string()) != "secret_key")
                plain.push_back(b);
        doc["settings"]["bindings"] = plain;
    }
    for (const char* k : {"compatibility_date", "compatibility_flags"})
        if (st.contains(k)) doc["script"][k] = st[k];
    return doc;
}

size_t deployment_primary(const nlohmann::json& versions) {
    size_t best = 0;
    double best_p = -1;
    if (!versions.is_array()) return 0;
    for (size_t i = 0; i < versions.size(); ++i) {
        const auto& v = versions[i];
        double p = v.is_object() && v.contains("percentage") && v["percentage"].is_number()
                       ? v["percentage"].get<double>()
                       : 0;
        if (p > best_p) best = i, best_p = p;
    }
    return best;
}

}  // namespace tenantctl::platform
