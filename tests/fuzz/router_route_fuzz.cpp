// libFuzzer target for the tenant router's routing rules (lib/router/route.*). Input: target \n host \n
// X-User-ID \n X-Tenant-ID. Invariants: never crashes; an accepted route has a valid tenant id (or a pool
// with a valid application), a forward target that starts with "/", and no dot segment, encoded slash or
// encoded dot in the forwarded path — so nothing the router forwards can re-point at another tenant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/strings.hpp"
#include "router/route.hpp"

using namespace tenantctl;
using namespace tenantctl::router;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string in(reinterpret_cast<const char*>(data), size);
    std::string parts[4];
    size_t start = 0;
    for (int i = 0; i < 4; ++i) {
        size_t nl = in.find('\n', start);
        if (nl == std::string::npos || i == 3) {
            parts[i] = in.substr(std::min(start, in.size()));
            break;
        }
        parts[i] = in.substr(start, nl - start);
        start = nl + 1;
    }
    RouteInput ri;
    ri.target = parts[0];
    ri.host = parts[1];
    ri.x_user_id = parts[2];
    ri.x_tenant_id = parts[3];
    auto r = resolve_route(ri);
    if (!r.ok()) {
        if (r.error().http_status != 400) std::abort();
        return 0;
    }
    const Route& route = r.value();
    if (route.kind == RouteKind::Pool) {
        if (!valid_id(route.application)) std::abort();
    } else if (!valid_id(route.tenant_id)) {
        std::abort();
    }
    if (!route.application.empty() && !valid_id(route.application)) std::abort();
    const std::string& f = route.forward_target;
    if (f.empty() || f[0] != '/') std::abort();
    std::string path = f.substr(0, f.find('?'));
    if (!check_path(path).ok()) std::abort();
    std::string lower = to_lower(path);
    if (lower.find("%2f") != std::string::npos || lower.find("%2e") != std::string::npos ||
        lower.find("/../") != std::string::npos || lower.find("/./") != std::string::npos)
        std::abort();
    return 0;
}
