#include "router/route.hpp"

#include <cctype>

#include "core/strings.hpp"

namespace tenantctl::router {

namespace {

Error bad_request(std::string message, std::string hint = {}) {
    Error e(ErrorKind::Input, std::move(message), std::move(hint));
    e.http_status = 400;
    return e;
}

const char* kExamples =
    "examples: /app/my-tenant/, /?appId=my-tenant, header X-User-ID: my-tenant, host my-tenant.localhost";

Error invalid_id(std::string_view id, const char* where) {
    std::string shown(id.substr(0, 80));
    return bad_request(std::string("invalid tenant id ") + tenantctl::quoted(shown) + " in " + where,
                       "ids match [A-Za-z0-9_-]{1,63}");
}

// The value of query parameter `name` (percent-decoded), or nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string_view::npos) amp = query.size();
        std::string_view kv = query.substr(pos, amp - pos);
        size_t eq = kv.find('=');
        if (kv.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string() : url_decode(kv.substr(eq + 1));
        pos = amp + 1;
    }
    return std::nullopt;
}

}  // namespace

std::string host_application(const RouteInput& in) {
    std::string host = strip_port(in.host);
    std::string domain = to_lower(in.domain);
    if (domain.empty() || host.size() <= domain.size() + 1 || !ends_with(host, "." + domain)) return {};
    auto parts = split(host.substr(0, host.size() - domain.size() - 1), '.');
    if (parts.size() == 2 && valid_id(parts[0]) && valid_id(parts[1])) return parts[1];
    return {};
}

const char* to_string(IdSource s) {
    switch (s) {
        case IdSource::Path:
            return "path";
        case IdSource::Query:
            return "query";
        case IdSource::Header:
            return "header";
        case IdSource::Host:
            return "host";
        case IdSource::Pin:
            return "pin";
        case IdSource::None:
            break;
    }
    return "none";
}

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 63) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

std::string strip_port(std::string_view host) {
    std::string h = to_lower(trim(host));
    if (!h.empty() && h.front() == '[') {
        auto close = h.find(']');
        return close == std::string::npos ? h : h.substr(0, close + 1);
    }
    auto colon = h.find(':');
    if (colon != std::string::npos) h.resize(colon);
    if (!h.empty() && h.back() == '.') h.pop_back();
    return h;
}

Status check_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return bad_request("request path must start with \"/\"");
    for (size_t i = 0; i < path.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(path[i]);
        if (c < 0x20 || c == 0x7f) return bad_request("request path contains a control character");
        if (c == '\\') return bad_request("request path contains a backslash");
        if (c == '%') {
            if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(path[i + 2])))
                return bad_request("request path contains a malformed percent escape");
            std::string esc = to_lower(path.substr(i + 1, 2));
            if (esc == "2f" || esc == "5c")
                return bad_request("request path contains an encoded slash (%" + esc + ")",
                                   "encoded slashes are refused so that a path cannot be re-pointed at another tenant");
            if (esc == "2e") return bad_request("request path contains an encoded dot (%2e)");
            if (esc == "00") return bad_request("request path contains an encoded NUL (%00)");
        }
    }
    // dot segments: "/./", "/../", trailing "/." or "/.."
    size_t start = 1;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view seg = path.substr(start, end - start);
        if (seg == "." || seg == "..")
            return bad_request("request path contains a dot segment (" + std::string(seg) + ")",
                               "send the normalized path");
        start = end + 1;
    }
    return ok_status();
}

Result<Route> resolve_route(const RouteInput& in) {
    std::string_view target = in.target;
    if (target.empty() || target.front() != '/')
        return bad_request("request target must be an origin-form path (\"/…\")");
    size_t qpos = target.find('?');
    std::string_view path = target.substr(0, qpos);
    std::string_view query = qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);
    TRY_STATUS(check_path(path));
    std::string query_suffix = qpos == std::string_view::npos ? std::string() : "?" + std::string(query);

    auto split_prefix = [&](std::string_view prefix, std::string& id, std::string& rest) -> bool {
        // path = prefix + id + ("/" rest)?  ->  id, "/rest"
        if (!starts_with(path, prefix)) return false;
        std::string_view after = path.substr(prefix.size());
        size_t slash = after.find('/');
        id = std::string(after.substr(0, slash));
        rest = slash == std::string_view::npos ? "/" : std::string(after.substr(slash));
        return true;
    };

    Route r;
    std::string id, rest;
    if (!in.pinned.empty()) {
        if (!valid_id(in.pinned)) return invalid_id(in.pinned, "the pinned tenant (X-Tenantctl-Tenant)");
        r.tenant_id = to_lower(in.pinned);
        r.source = IdSource::Pin;
        r.forward_target = std::string(target);
        r.application = host_application(in);
        return r;
    }
    if (split_prefix("/pool/", id, rest)) {
        if (!valid_id(id))
            return bad_request("invalid application name " + tenantctl::quoted(id.substr(0, 80)) + " in /pool/…",
                               "names match [A-Za-z0-9_-]{1,63}");
        r.kind = RouteKind::Pool;
        r.application = id;
        r.source = IdSource::Path;
        r.forward_target = rest + query_suffix;
        return r;
    }
    if (split_prefix("/app/", id, rest)) {
        if (id.empty()) return bad_request("missing tenant id after /app/", kExamples);
        if (!valid_id(id)) return invalid_id(id, "the path");
        r.tenant_id = to_lower(id);
        r.source = IdSource::Path;
        if (rest == "/_status" || rest == "/_restart" || rest == "/_metadata") {
            r.kind = RouteKind::Management;
            r.management = rest.substr(1);
        }
        r.forward_target = rest + query_suffix;
        r.application = host_application(in);
        return r;
    }
    r.forward_target = std::string(path) + query_suffix;
    if (auto q = query_param(query, "appId")) {
        if (!valid_id(*q)) return invalid_id(*q, "the appId query parameter");
        r.tenant_id = to_lower(*q);
        r.source = IdSource::Query;
        r.application = host_application(in);
        return r;
    }
    for (auto [value, name] :
         {std::pair{in.x_user_id, "the X-User-ID header"}, std::pair{in.x_tenant_id, "the X-Tenant-ID header"}}) {
        std::string_view v = trim(value);
        if (v.empty()) continue;
        if (!valid_id(v)) return invalid_id(v, name);
        r.tenant_id = to_lower(v);
        r.source = IdSource::Header;
        r.application = host_application(in);
        return r;
    }
    std::string host = strip_port(in.host);
    std::string domain = to_lower(in.domain);
    if (!domain.empty() && host.size() > domain.size() + 1 && ends_with(host, "." + domain)) {
        std::string labels = host.substr(0, host.size() - domain.size() - 1);
        auto parts = split(labels, '.');
        if (parts.size() > 2)
            return bad_request(
                "host " + tenantctl::quoted(host) + " has too many labels before " + tenantctl::quoted(domain),
                "use {tenant}." + domain + " or {tenant}.{application}." + domain);
        if (!valid_id(parts[0])) return invalid_id(parts[0], "the host name");
        r.tenant_id = to_lower(parts[0]);
        if (parts.size() == 2) {
            if (!valid_id(parts[1]))
                return bad_request("invalid application name " + tenantctl::quoted(parts[1]) + " in the host name");
            r.application = parts[1];
        }
        r.source = IdSource::Host;
        return r;
    }
    return bad_request("no tenant id in the request", kExamples);
}

}  // namespace tenantctl::router
