// libFuzzer target for the local platform API's request-target handling alone (no body, no store writes):
// the path split into segments, percent-decoded and matched against the route table (match_api_route), the
// query string parsed (parse_query) and its tag filters (parse_tag_filter), and the head check that routes
// and authenticates before any body byte is read (Api::check_head). Input: METHOD SP target, or a target alone.
// Invariants: never crashes; a matched route captures only non-empty parameters; check_head answers only 401 or
// 404 (or nothing) and never allows a body above the largest per-route limit; with the token it never answers
// 401; it answers 404 exactly when no route has the path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/limits.hpp"
#include "platform/api.hpp"
#include "platform/store.hpp"

using namespace tenantctl;
using namespace tenantctl::platform;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static std::unique_ptr<Store> store = std::move(Store::open(":memory:").value());
    static Api api(*store, Credentials{"0123456789abcdef0123456789abcdef", "tok", "dev@localhost"}, ApiOptions{});
    std::string in(reinterpret_cast<const char*>(data), size);
    std::string method = "GET";
    if (auto sp = in.find(' '); sp != std::string::npos && sp <= 7) {
        method = in.substr(0, sp);
        in = in.substr(sp + 1);
    }
    std::string_view target = in;
    auto qpos = target.find('?');
    std::string_view path = target.substr(0, qpos);
    std::string_view query = qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);

    auto q = parse_query(query);
    for (auto& [k, v] : q) {
        if (k == "tag" || k == "tags") (void)parse_tag_filter(v);
    }
    (void)parse_tag_filter(query);

    auto m = match_api_route(method, path);
    if (m && m->method_allowed) {
        for (auto& [k, v] : m->params)
            if (v.empty()) std::abort();
        if (m->pattern.empty()) std::abort();
    }

    for (bool token : {false, true}) {
        HttpRequest head;
        head.method = method;
        head.target = "/client/v4" + in;
        if (token) head.headers["authorization"] = "Bearer tok";
        auto check = api.check_head(head);
        if (check.body_limit > limits::k_max_api_assets_body_bytes) std::abort();
        const bool under_prefix = in.empty() || in[0] == '/' || in[0] == '?';
        if (check.response) {
            int s = check.response->status;
            if (s != 401 && s != 404) std::abort();
            if (token && s == 401) std::abort();
            if (s == 404 && m && under_prefix) std::abort();
        } else if (!m) {
            std::abort();
        }
    }
    return 0;
}
