#include "render/rendered.hpp"

#include "core/diagnostic.hpp"
#include "core/redact.hpp"

namespace tenantctl::cli {

nlohmann::json error_json(const Error& e) {
    const auto& r = Redactor::global();
    nlohmann::json err = {{"kind", to_string(e.kind)}, {"message", r.redact(e.message)}};
    if (!e.hint.empty()) err["hint"] = r.redact(e.hint);
    if (e.http_status) err["status"] = e.http_status;
    if (!e.api_errors.empty()) {
        err["api_errors"] = nlohmann::json::array();
        for (const auto& a : e.api_errors)
            err["api_errors"].push_back({{"code", a.code}, {"message", r.redact(a.message)}});
    }
    if (!e.diagnostics.empty()) {
        err["diagnostics"] = nlohmann::json::array();
        for (const auto& d : capped_diagnostics(e.diagnostics)) {
            nlohmann::json dj = {{"severity", to_string(d.severity)}, {"message", r.redact(d.message)}};
            if (!d.file.empty()) dj["file"] = d.file;
            if (d.line) dj["line"] = d.line;
            if (d.column) dj["column"] = d.column;
            if (!d.path.empty()) dj["path"] = d.path;
            if (!d.hint.empty()) dj["hint"] = r.redact(d.hint);
            err["diagnostics"].push_back(dj);
        }
    }
    return err;
}

Rendered failed_doc(nlohmann::json doc, std::string human, Error e) {
    doc["ok"] = false;
    doc["error"] = error_json(e);
    Rendered r;
    r.doc = std::move(doc);
    r.human = std::move(human);
    r.error = std::move(e);
    return r;
}

}  // namespace tenantctl::cli
