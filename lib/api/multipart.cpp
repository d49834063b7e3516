#include "api/multipart.hpp"

#include "core/strings.hpp"

namespace tenantctl::api {

namespace {

std::string escape_quoted(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"')
            out += "%22";
        else if (c == '\r')
            out += "%0D";
        else if (c == '\n')
            out += "%0A";
        else
            out += c;
    }
    return out;
}

bool boundary_clashes(const std::vector<FormPart>& parts, const std::string& boundary) {
    for (const auto& p : parts) {
        if (p.data.find(boundary) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

MultipartBody build_multipart(const std::vector<FormPart>& parts, std::string boundary) {
    if (boundary.empty() || boundary_clashes(parts, boundary)) {
        do {
            boundary = "----tenantctl-" + random_hex(16);
        } while (boundary_clashes(parts, boundary));
    }
    MultipartBody body;
    body.boundary = boundary;
    for (const auto& p : parts) {
        body.data += "--" + boundary + "\r\n";
        body.data += "Content-Disposition: form-data; name=\"" + escape_quoted(p.name) + "\"";
        if (!p.filename.empty()) body.data += "; filename=\"" + escape_quoted(p.filename) + "\"";
        body.data += "\r\n";
        if (!p.content_type.empty()) body.data += "Content-Type: " + p.content_type + "\r\n";
        body.data += "\r\n";
        body.data += p.data;
        body.data += "\r\n";
    }
    body.data += "--" + boundary + "--\r\n";
    return body;
}

MultipartBody build_worker_upload(const std::string& metadata_json, const std::vector<Module>& modules) {
    std::vector<FormPart> parts;
    parts.push_back({"metadata", "", "", metadata_json});
    for (const auto& m : modules) {
        parts.push_back(
            {m.name, m.name, m.content_type.empty() ? module_content_type(m.name) : m.content_type, m.data});
    }
    return build_multipart(parts);
}

std::string module_content_type(const std::string& filename) {
    std::string f = to_lower(filename);
    if (ends_with(f, ".js") || ends_with(f, ".mjs")) return "application/javascript+module";
    if (ends_with(f, ".cjs")) return "application/javascript";
    if (ends_with(f, ".wasm")) return "application/wasm";
    if (ends_with(f, ".py")) return "text/x-python";
    if (ends_with(f, "requirements.txt")) return "text/x-python-requirement";
    if (ends_with(f, ".map")) return "application/source-map";
    if (ends_with(f, ".txt") || ends_with(f, ".html") || ends_with(f, ".sql")) return "text/plain";
    return "application/octet-stream";
}

}  // namespace tenantctl::api
