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

}  // namespace tenantctl::platform
