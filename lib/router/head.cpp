#include "router/head.hpp"

#include <boost/beast/http/field.hpp>

#include "core/strings.hpp"

namespace tenantctl::router {

namespace http = boost::beast::http;

std::string ambiguous_head(const http::fields& req) {
    static const char* routing[] = {"x-user-id",       "x-tenant-id", "x-app-id",          "x-tenantctl-tenant",
                                    "x-tenantctl-pin", "host",        "transfer-encoding", "content-length"};
    for (const auto& f : req) {
        std::string name(f.name_string());
        if (name.find('_') == std::string::npos) continue;
        std::string dashed = to_lower(name);
        for (auto& c : dashed)
            if (c == '_') c = '-';
        for (const char* r : routing)
            if (dashed == r)
                return "header " + name + " uses '_' where " + r +
                       " has '-': some servers read it as the same header, so it is refused";
    }
    for (const char* h : {"X-User-ID", "X-Tenant-ID", "Host", "Transfer-Encoding", "Content-Length",
                          "X-Tenantctl-Tenant", "X-Tenantctl-Pin"})
        if (req.count(h) > 1) return std::string("the ") + h + " header appears more than once";
    if (req.count(http::field::transfer_encoding)) {
        if (req.count(http::field::content_length))
            return "Transfer-Encoding and Content-Length together: the body length is ambiguous";
        if (to_lower(trim(std::string(req[http::field::transfer_encoding]))) != "chunked")
            return "Transfer-Encoding " + tenantctl::quoted(std::string(req[http::field::transfer_encoding])) +
                   ": only \"chunked\" is accepted";
    }
    if (req.count(http::field::trailer)) return "trailers are not accepted (a trailer could carry a second X-User-ID)";
    std::string uid = to_lower(trim(std::string(req["X-User-ID"]))),
                tid = to_lower(trim(std::string(req["X-Tenant-ID"])));
    if (!uid.empty() && !tid.empty() && uid != tid) return "X-User-ID and X-Tenant-ID name different tenants";
    return {};
}

bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char d = 0;
    for (size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
    return d == 0;
}

HeadDecision decide_head(const http::fields& req, std::string_view target, std::string_view domain,
                         std::string_view pin_key) {
    HeadDecision out;
    auto refuse = [&](int status, const std::string& message) {
        out.error = Error(ErrorKind::Usage, message);
        out.error.http_status = status;
        out.close = true;
        return out;
    };
    if (auto why = ambiguous_head(req); !why.empty()) return refuse(400, why);
    std::string pinned;
    if (!pin_key.empty()) {
        if (!same_secret(std::string(req["X-Tenantctl-Pin"]), pin_key))
            return refuse(403, "this router serves only its front worker (X-Tenantctl-Pin)");
        pinned = std::string(trim(std::string(req["X-Tenantctl-Tenant"])));
        if (pinned.empty()) return refuse(400, "no X-Tenantctl-Tenant on a pinned request");
    }
    std::string host(req[http::field::host]), uid(req["X-User-ID"]), tid(req["X-Tenant-ID"]);
    RouteInput in;
    in.pinned = pinned;
    in.target = target;
    in.host = host;
    in.x_user_id = uid;
    in.x_tenant_id = tid;
    in.domain = domain;
    auto route = resolve_route(in);
    if (!route) {
        out.error = route.error();
        return out;
    }
    out.route = std::move(route).value();
    return out;
}

}  // namespace tenantctl::router
