// libFuzzer target: the multipart/form-data parser of the local platform.
// Input layout: the first line is the Content-Type header value, the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto nl = in.find('\n');
    std::string_view ct = nl == std::string_view::npos ? in : in.substr(0, nl);
    std::string_view body = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
    auto r = tenantctl::platform::parse_multipart(ct, body);
    if (r.ok()) {
        size_t total = 0;
        for (auto& p : r.value()) total += p.body.size();
        if (total > body.size()) __builtin_trap();  // parts are slices of the body
    }
    (void)tenantctl::platform::multipart_boundary(ct);
    return 0;
}
