#pragma once
// multipart/form-data bodies for worker uploads (a `metadata` JSON part + one part per module),
// settings patches and KV values with metadata.
#include <string>
#include <vector>

namespace tenantctl::api {

struct FormPart {
    std::string name;          // form field name
    std::string filename;      // empty = a plain form field (no filename attribute)
    std::string content_type;  // empty = no Content-Type header for the part
    std::string data;
};

struct MultipartBody {
    std::string boundary;
    std::string data;
    std::string content_type() const { return "multipart/form-data; boundary=" + boundary; }
};

// Builds the body. A boundary is generated (and checked not to occur in any part) unless given.
MultipartBody build_multipart(const std::vector<FormPart>& parts, std::string boundary = {});

// The worker upload form: `metadata` (JSON text, no filename) followed by the modules.
struct Module {
    std::string name;          // path-like module name, e.g. "index.js"
    std::string content_type;  // e.g. application/javascript+module
    std::string data;
};
MultipartBody build_worker_upload(const std::string& metadata_json, const std::vector<Module>& modules);

// The content type for a module file name (by extension): .js/.mjs -> application/javascript+module,
// .cjs -> application/javascript, .wasm -> application/wasm, .py -> text/x-python, .map ->
// application/source-map, .txt/.html -> text/plain, else application/octet-stream.
std::string module_content_type(const std::string& filename);

}  // namespace tenantctl::api
