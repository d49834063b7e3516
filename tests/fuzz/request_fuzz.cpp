// libFuzzer target: raw HTTP/1.1 bytes through Beast's request parser (with the server's limits) and
// then through the platform Api (routing, query parsing, JSON and multipart bodies) on an in-memory store.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/strings.hpp"
#include "platform/api.hpp"
#include "platform/store.hpp"

namespace {

using namespace tenantctl::platform;

struct Harness {
    std::unique_ptr<Store> store;
    std::unique_ptr<Api> api;
    int uses = 0;
    void reset() {
        api.reset();
        store = std::move(Store::open(":memory:").value());
        Credentials c{"0123456789abcdef0123456789abcdef", "tok", "dev@localhost"};
        ApiOptions o;
        o.test_hooks = false;
        api = std::make_unique<Api>(*store, c, o);
        uses = 0;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Harness h;
    if (!h.api || ++h.uses > 2000) h.reset();
    namespace http = boost::beast::http;
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(1024 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    size_t used = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    (void)used;
    if (ec || !parser.is_done()) return 0;
    auto& req = parser.get();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (auto& f : req) r.headers[tenantctl::to_lower(f.name_string())] = std::string(f.value());
    // Most inputs lack the token; let a header opt into a valid one so the handlers get exercised.
    if (r.headers.count("x-fuzz-auth")) r.headers["authorization"] = "Bearer tok";
    r.body = req.body();
    auto res = h.api->handle(r);
    if (res.status < 100 || res.status > 599) __builtin_trap();
    return 0;
}
