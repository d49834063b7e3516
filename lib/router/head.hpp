#pragma once
// What the tenant router decides from a request head alone, before any instance is involved (server.cpp uses
// it for every request; the router_head fuzz target feeds it raw heads): ambiguity about the tenant or the body
// length (400), the front worker's pin (403/400), then the routing rules of route.hpp.
#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "router/route.hpp"

namespace tenantctl::router {

// Why a request head is ambiguous about its tenant or its body (a 400), or "" when it is not. Two parsers
// (this router's and the container's) must never be able to read the same bytes differently.
std::string ambiguous_head(const boost::beast::http::fields& head);

struct HeadDecision {
    std::optional<Route> route;  // the request is for this route
    Error error;                 // otherwise the answer: error.http_status, message, hint
    bool close = false;          // close the connection after that answer
};

// `pin_key` is RouterOptions::pin_key (empty: no front worker pins tenants).
HeadDecision decide_head(const boost::beast::http::fields& head, std::string_view target, std::string_view domain,
                         std::string_view pin_key);

// Constant time for equal lengths.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace tenantctl::router
