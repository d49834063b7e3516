#pragma once
// The request/response shapes the local platform's HTTP server (server.hpp) hands to a handler, and the
// handler interface itself: the v4 API (api.hpp) is one handler, the runtime's storage service another.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tenantctl::platform {

struct HttpRequest {
    std::string method;                          // "GET", …
    std::string target;                          // path and query, as sent
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;
    // A header's value, "" when the request has none (`name` lowercase).
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";  // empty: no Content-Type header
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

class HttpHandler {
public:
    virtual ~HttpHandler() = default;

    // Decided from the request head alone (req.body is ignored), before the server reads any body byte: a
    // response when the request can be answered already (unknown path 404, missing token 401), and the
    // largest body the route takes with that limit's name for the 413.
    struct HeadCheck {
        std::optional<HttpResponse> response;
        size_t body_limit = 0;
        const char* limit_name = "";
    };
    virtual HeadCheck check_head(const HttpRequest& head) = 0;
    virtual HttpResponse handle(const HttpRequest& req) = 0;
    // The response for an error the server itself detects (malformed request, 413, 431).
    virtual HttpResponse error(int status, int code, const std::string& message) = 0;
    // Called once per answered request; the default logs nothing.
    virtual void log_request(const std::string& /*method*/, const std::string& /*target*/, int /*status*/) {}
};

}  // namespace tenantctl::platform
