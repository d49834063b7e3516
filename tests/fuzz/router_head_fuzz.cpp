// libFuzzer target for the tenant router's request head: raw bytes through Beast's request parser with the
// router's header limit, then decide_head (ambiguity checks, the front worker's pin, the routing rules). The
// first input byte chooses whether a pin key is configured. Invariants: never crashes; a head that routes has
// one X-User-ID / X-Tenant-ID / Host / Content-Length at most, never Transfer-Encoding with Content-Length, a
// valid lowercase tenant id (or a valid pool application name), a forward target starting with "/" without dot segments
// or encoded slashes; with a pin key, it routes only with the right X-Tenantctl-Pin and to X-Tenantctl-Tenant's tenant;
// refusals are 400, 403 (pin) or 404 only.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/strings.hpp"
#include "router/head.hpp"
#include "router/route.hpp"

using namespace tenantctl;
using namespace tenantctl::router;
namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const bool pinned = data[0] & 1;
    const std::string pin_key = pinned ? "front-worker-key" : "";
    http::request_parser<http::empty_body> parser;
    parser.header_limit(64 * 1024);
    parser.eager(false);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(data + 1, size - 1), ec);
    if (ec || !parser.is_header_done()) return 0;
    const auto& req = parser.get();
    std::string target(req.target());
    auto d = decide_head(req, target, "localhost", pin_key);
    if (!d.route) {
        int s = d.error.http_status;
        if (s != 400 && s != 403 && s != 404) std::abort();
        if (s == 403 && !pinned) std::abort();
        return 0;
    }
    for (const char* h : {"X-User-ID", "X-Tenant-ID", "Host", "Content-Length", "Transfer-Encoding"})
        if (req.count(h) > 1) std::abort();
    if (req.count(http::field::transfer_encoding) && req.count(http::field::content_length)) std::abort();
    const Route& r = *d.route;
    // tenant ids are case-insensitive (always the lowercase form); application names are matched as given
    if (r.kind == RouteKind::Pool ? !valid_id(r.application)
                                  : !valid_id(r.tenant_id) || to_lower(r.tenant_id) != r.tenant_id)
        std::abort();
    if (pinned) {
        if (std::string(req["X-Tenantctl-Pin"]) != pin_key) std::abort();
        if (r.source != IdSource::Pin) std::abort();
        if (to_lower(trim(std::string(req["X-Tenantctl-Tenant"]))) != r.tenant_id) std::abort();
    }
    const std::string& f = r.forward_target;
    if (f.empty() || f[0] != '/') std::abort();
    std::string lower = to_lower(f.substr(0, f.find('?')));
    if (lower.find("%2f") != std::string::npos || lower.find("%2e") != std::string::npos ||
        lower.find("/../") != std::string::npos || lower.find("/./") != std::string::npos)
        std::abort();
    return 0;
}
