#pragma once
// The Cloudflare API v4 control-plane, served from a Store. Transport-independent: the HTTP server
// (server.hpp) turns Beast messages into HttpRequest and back, and unit tests and fuzzers call handle().
//
// Error codes the local platform uses (the real API's where known, otherwise documented here):
//   7000  "No route for that URI" family: 7003 no route, 7001 method not allowed (405)
//   10000 authentication error (401)
//   10001 malformed request body / invalid JSON (400)         10002 request body too large (413)
//   10003 request headers too large (431)                     10004 validation error (400)
//   10010 request head or body too slow (408; limits k_api_header_timeout, k_api_body_timeout)
//   10007 account worker script not found (404)               10092 namespace script not found (404)
//   100119 dispatch namespace not found (404)                 100120 dispatch namespace already exists (409)
//   10013 kv namespace not found (404)    10014 kv namespace title already exists (400)   10009 kv key not found
//   10006 r2 bucket not found (404)       10004 r2 bucket already exists (409, code from R2: 10004)
//   10007 r2 object not found (404, R2's NoSuchKey)
//   7404  d1 database not found (404)     7502 d1 database already exists (409)   7500 d1 SQL error (400)
//   10090 worker service not found (404, workers/services/NAME)
//   10021 script validation: a module or binding the upload cannot use, or code that does not start (400)
//   10143 a service binding names a worker that does not exist (400)
//   1000  container application/instance/rollout/registry not found (404), 1001 conflict (409)
//   10056 too many tags (400)             10053 secret not found (404)
//   10089 version or deployment not found (404)      10020 route pattern assigned to another worker (409)
//   500   internal error (500)            503   injected fault (test hooks)
//   971   rate limited (429, with Retry-After; only with `tenantctl dev --rate-limit`)
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "platform/http.hpp"
#include "platform/ratelimit.hpp"
#include "platform/runtime.hpp"
#include "platform/store.hpp"
#include "platform/tail.hpp"
#include "platform/validate.hpp"

namespace tenantctl::platform {

struct Credentials {
    std::string account_id;  // 32 hex
    std::string api_token;
    std::string email = "dev@localhost";
};

// A fault armed through POST /__dev/faults (only with test hooks on).
struct Fault {
    std::string method;                            // empty = any
    std::shared_ptr<const std::regex> path_regex;  // shared: matched outside the fault lock
    uint64_t serial = 0;
    std::string path_pattern;
    int status = 503;
    int count = 1;
    int delay_ms = 0;
};

struct ApiOptions {
    std::string api_prefix = "/client/v4";
    bool test_hooks = false;
    std::string request_log_path;    // empty = no request log
    std::string state_dir;           // where D1 database files live (d1.hpp); empty = D1 queries are refused
    RateLimitOptions rate_limit;     // every API response carries its headers; enforced with --rate-limit
    std::shared_ptr<TailHub> tails;  // live tails and invocation statistics; null = tails are refused (503)
    // Called for every routed request after the work on its body (parsing, hashing) and before the store is
    // locked; tests use it to hold a request at that point. Empty in tenantctl dev.
    std::function<void(const std::string& method, const std::string& path)> before_store_lock;
    // Checks that an upload's code starts before it is stored (validate.hpp); null = stored unchecked.
    std::shared_ptr<ScriptValidator> validator;
};

class Api final : public HttpHandler {
public:
    Api(Store& store, Credentials creds, ApiOptions options, std::shared_ptr<ContainerRuntime> runtime = nullptr,
        RegistryInfo registry = {});
    ~Api();

    HttpResponse handle(const HttpRequest& req) override;

    // Routes and authenticates on the head (see HttpHandler::check_head); limits are limits::k_max_api_*.
    HeadCheck check_head(const HttpRequest& head) override;

    // Envelope helpers (also used by the server for 413/431).
    static HttpResponse error_response(int status, int code, const std::string& message);
    static nlohmann::json envelope(nlohmann::json result);
    HttpResponse error(int status, int code, const std::string& message) override {
        return error_response(status, code, message);
    }

    // Appends one line to the request log ({"ts","method","path","status"}); the query string is dropped.
    void log_request(const std::string& method, const std::string& target, int status) override;

    // Installs (or removes, with null) the upload validator once the API runs: `tenantctl dev` starts the
    // workers runtime, which provides it, after the API.
    void set_validator(std::shared_ptr<ScriptValidator> validator);

    struct Ctx;  // a request being handled (defined in api_internal.hpp)

private:
    HttpResponse dispatch(const HttpRequest& req);
    HttpResponse handle_dev_hooks(const HttpRequest& req, const std::string& path);
    std::optional<HttpResponse> take_fault(const std::string& method, const std::string& path);
    bool authorized(const HttpRequest& req) const;

    Store& m_store;
    Credentials m_creds;
    ApiOptions m_opt;
    std::shared_ptr<ContainerRuntime> m_runtime;
    RegistryInfo m_registry;
    std::mutex m_fault_mutex;
    std::vector<Fault> m_faults;
    uint64_t m_fault_serial = 0;
    std::mutex m_log_mutex;
    std::FILE* m_log = nullptr;
    std::unique_ptr<RateGate> m_gate;
    std::mutex m_validator_mutex;
    std::shared_ptr<ScriptValidator> m_validator;
};

// Helpers exposed for tests.
std::map<std::string, std::string> parse_query(std::string_view query);
// "a:yes,b:no" -> {{"a",true},{"b",false}}; an error for anything else.
Result<std::vector<std::pair<std::string, bool>>> parse_tag_filter(std::string_view s);
bool valid_account_script_name(std::string_view name);
// The route a request's method and path (the part after the API prefix, percent-encoded as sent) resolve to,
// as Api::handle routes it: the route's pattern and its captured parameters (decoded). nullopt when no route
// has that path; method_allowed is false when routes have the path but none this method.
struct RouteMatch {
    std::string pattern;
    std::map<std::string, std::string> params;
    bool method_allowed = false;
};
std::optional<RouteMatch> match_api_route(const std::string& method, std::string_view path);

}  // namespace tenantctl::platform
