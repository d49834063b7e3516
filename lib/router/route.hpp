#pragma once
// Tenant routing rules, as pure functions (no I/O): which tenant and application a request is for, and what
// path the container sees. The order is fixed and documented:
//   1. path   /app/{id}/...        (the /app/{id} prefix is stripped)
//   2. query  ?appId={id}
//   3. header X-User-ID, then X-Tenant-ID
//   4. host   {id}.{domain}  or  {id}.{application}.{domain}   (domain defaults to "localhost")
// The first source that is present decides the tenant; later sources are never mixed in. The application is
// a separate choice: the host form {x}.{application}.{domain} selects it whatever gave the tenant id. A
// present-but-invalid id is a 400 (it does not fall through to the next source). Ids match [A-Za-z0-9_-]{1,63}
// and are case-insensitive: every source yields the lowercase form (/app/ACME/, ACME.localhost and
// X-User-ID: Acme are all tenant "acme"). A tenant pinned by a trusted front worker (RouteInput::pinned, see
// RouterOptions::pin_key) replaces all four sources: nothing in the request can choose another tenant.
// Stateless pools: /pool/{application}/... (prefix stripped). Management: /app/{id}/_status|_restart|_metadata.
// Paths containing dot segments ("." / ".."), encoded slashes or backslashes (%2F, %5C), encoded dots (%2E),
// NUL (%00), raw backslashes or control characters are rejected with 400 before anything else happens, so a
// request can never be re-pointed at another tenant by path tricks.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tenantctl::router {

bool valid_id(std::string_view id);

enum class RouteKind { Tenant, Pool, Management };
enum class IdSource { Path, Query, Header, Host, Pin, None };
const char* to_string(IdSource s);

struct RouteInput {
    std::string_view target;       // request-target as received ("/app/a/x?y=1")
    std::string_view host;         // Host header ("a.localhost:8788"), may be empty
    std::string_view x_user_id;    // X-User-ID header, may be empty
    std::string_view x_tenant_id;  // X-Tenant-ID header, may be empty
    std::string_view domain = "localhost";
    std::string_view pinned;  // a tenant id pinned by the trusted front worker; when set, the only source
};

struct Route {
    RouteKind kind = RouteKind::Tenant;
    std::string tenant_id;    // empty for pools
    std::string application;  // from a host {x}.{application}.{domain} or /pool/{application}; may be empty
    IdSource source = IdSource::None;
    std::string forward_target;  // what the container sees: path (prefix stripped, at least "/") + "?query"
    std::string management;      // "_status", "_restart" or "_metadata" when kind == Management
};

// Errors carry http_status 400 and a message/hint meant for the client.
Result<Route> resolve_route(const RouteInput& in);

// Checks a raw path (no query) for traversal tricks; returns an Error (400) naming what was found.
Status check_path(std::string_view path);

// The {application} label of a host {x}.{application}.{domain}, or "".
std::string host_application(const RouteInput& in);
// "a.localhost:8788" -> "a.localhost" (also "[::1]:80" -> "[::1]"), lowercased.
std::string strip_port(std::string_view host);

}  // namespace tenantctl::router
