#pragma once
// A strict multipart/form-data parser (RFC 7578 / RFC 2046) for request bodies of the local platform.
// It never throws and never reads outside `body`; anything malformed is an Error with a message.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace tenantctl::platform {

struct MultipartPart {
    std::string name;          // form field name from Content-Disposition
    std::string filename;      // filename="…" when present
    std::string content_type;  // the part's Content-Type (empty when absent)
    std::string body;
};

// The boundary parameter of a `multipart/form-data; boundary=…` Content-Type (quotes removed).
Result<std::string> multipart_boundary(std::string_view content_type);
// Parses a whole multipart body. Limits: at most 1000 parts, 8 KiB of headers per part.
Result<std::vector<MultipartPart>> parse_multipart(std::string_view content_type, std::string_view body);
// Parses one `Content-Type`-style header value into its lowercased media type ("multipart/form-data").
std::string media_type(std::string_view content_type);

}  // namespace tenantctl::platform
