// The local platform's static assets and zones, in-process on an in-memory store: upload sessions, bucket
// uploads authorized by the session token and checked against their hashes, the completion token in a worker
// upload, tampered and foreign tokens, zones derived from route names, and one worker per route pattern.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "platform/api.hpp"
#include "platform/store.hpp"
#include "workers/assets.hpp"

using namespace tenantctl;
using namespace tenantctl::platform;
using nlohmann::json;

namespace {

struct Plat {
    std::unique_ptr<Store> store = std::move(Store::open(":memory:").value());
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    Api api{*store, creds, ApiOptions{}};

    HttpResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                      const std::string& ct = "application/json", const std::string& bearer = "api") {
        HttpRequest r;
        r.method = method;
        r.target = "/client/v4" + path;
        if (!bearer.empty()) r.headers["authorization"] = "Bearer " + (bearer == "api" ? creds.api_token : bearer);
        if (!body.empty()) r.headers["content-type"] = ct;
        r.body = body;
        return api.handle(r);
    }
    std::string acct() const { return "/accounts/" + creds.account_id; }
};

json body_of(const HttpResponse& r) {
    return json::parse(r.body);
}

std::string form(const std::vector<std::pair<std::string, std::string>>& parts) {
    std::string b;
    for (const auto& [name, data] : parts)
        b += "--b\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name +
             "\"\r\nContent-Type: text/plain\r\n\r\n" + data + "\r\n";
    return b + "--b--\r\n";
}

std::string assets_only_upload(const std::string& jwt) {
    json md = {{"assets", {{"jwt", jwt}, {"config", {{"not_found_handling", "404-page"}}}}},
               {"compatibility_date", "2026-01-01"}};
    return "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + md.dump() + "\r\n--b--\r\n";
}

const std::string k_mp = "multipart/form-data; boundary=b";

}  // namespace

TEST_CASE("platform assets: session, buckets with the session token, completion, worker upload") {
    Plat p;
    const std::string html = "<h1>hi</h1>\n", css = "h1{}\n";
    const std::string h1 = workers::asset_hash(html, "index.html"), h2 = workers::asset_hash(css, "a.css");
    json manifest = {{"manifest",
                      {{"/index.html", {{"hash", h1}, {"size", html.size()}}},
                       {"/copy.html", {{"hash", h1}, {"size", html.size()}}},
                       {"/a.css", {{"hash", h2}, {"size", css.size()}}}}}};
    const std::string ws = p.acct() + "/workers/scripts/site";
    auto s = p.call("POST", ws + "/assets-upload-session", manifest.dump());
    REQUIRE(s.status == 200);
    json r = body_of(s)["result"];
    CHECK(r["buckets"].size() == 1);
    CHECK(r["buckets"][0].size() == 2);  // each content once
    const std::string jwt = r["jwt"];

    const std::string up = p.acct() + "/workers/assets/upload?base64=true";
    CHECK(p.call("POST", up, form({{h1, base64_encode(html)}}), k_mp).status == 401);            // the API token
    CHECK(p.call("POST", up, form({{h1, base64_encode(html)}}), k_mp, "").status == 401);        // none
    CHECK(p.call("POST", up, form({{h1, base64_encode(css)}}), k_mp, jwt).status == 400);        // wrong content
    CHECK(p.call("POST", up, form({{h1, "<not base64>"}}), k_mp, jwt).status == 400);            // not base64
    CHECK(p.call("POST", up, form({{std::string(32, 'a'), "eA=="}}), k_mp, jwt).status == 400);  // not asked for
    CHECK(p.call("PUT", ws, assets_only_upload(jwt), k_mp).status == 400);  // an upload token, not a completion

    auto first = p.call("POST", up, form({{h1, base64_encode(html)}}), k_mp, jwt);
    REQUIRE(first.status == 200);
    CHECK_FALSE(body_of(first)["result"].contains("jwt"));  // the session is not complete yet
    auto last = p.call("POST", up, form({{h2, base64_encode(css)}}), k_mp, jwt);
    REQUIRE(last.status == 200);
    const std::string done = body_of(last)["result"]["jwt"];

    std::string tampered = done;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    CHECK(p.call("PUT", ws, assets_only_upload(tampered), k_mp).status == 400);
    CHECK(p.call("PUT", p.acct() + "/workers/scripts/other", assets_only_upload(done), k_mp).status == 400);
    auto put = p.call("PUT", ws, assets_only_upload(done), k_mp);
    REQUIRE(put.status == 200);
    CHECK(body_of(put)["result"]["has_assets"] == true);

    // Everything is there now: a new session asks for nothing and its token completes at once.
    auto again = p.call("POST", ws + "/assets-upload-session", manifest.dump());
    REQUIRE(again.status == 200);
    CHECK(body_of(again)["result"]["buckets"].empty());
    CHECK(p.call("PUT", ws, assets_only_upload(body_of(again)["result"]["jwt"]), k_mp).status == 200);

    // Bad manifests.
    CHECK(p.call("POST", ws + "/assets-upload-session", R"({"manifest":{"x":{"hash":"ab","size":1}}})").status == 400);
    CHECK(p.call("POST", ws + "/assets-upload-session", R"({"files":{}})").status == 400);
}

TEST_CASE("platform zones: two-label names and route zone names; one worker per route pattern") {
    Plat p;
    const std::string mod =
        "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"main_module\":\"a.js\"}\r\n--b\r\n"
        "Content-Disposition: form-data; name=\"a.js\"; filename=\"a.js\"\r\nContent-Type: "
        "application/javascript+module\r\n\r\nexport default {}\r\n--b--\r\n";
    for (const char* w : {"one", "two"})
        REQUIRE(p.call("PUT", p.acct() + "/workers/scripts/" + w, mod, k_mp).status == 200);
    CHECK(p.call("PUT", p.acct() + "/workers/scripts/one/routes",
                 R"([{"pattern":"*.shop.example.com/*"},{"pattern":"x.dev.test/*","zone_name":"dev.test"}])")
              .status == 200);
    CHECK(p.call("PUT", p.acct() + "/workers/scripts/two/routes", R"([{"pattern":"*.shop.example.com/*"}])").status ==
          409);
    auto z = body_of(p.call("GET", "/zones?name=example.com&account.id=" + p.creds.account_id))["result"];
    REQUIRE(z.size() == 1);
    CHECK(body_of(p.call("GET", "/zones?name=shop.example.com"))["result"].empty());
    auto routes = body_of(p.call("GET", "/zones/" + z[0]["id"].get<std::string>() + "/workers/routes"))["result"];
    REQUIRE(routes.size() == 1);
    CHECK(routes[0]["pattern"] == "*.shop.example.com/*");
    CHECK(routes[0]["script"] == "one");
    CHECK(body_of(p.call("GET", "/zones?name=dev.test"))["result"].size() == 1);
}
