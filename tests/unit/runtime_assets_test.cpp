// Unit tests for lib/runtime/assets: how static assets answer a request, as production decides it
// (html_handling, not_found_handling, run_worker_first, redirects, 304), over a manifest alone.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/content_type.hpp"
#include "core/sha256.hpp"
#include "runtime/assets.hpp"
#include "runtime/workerd_config.hpp"

using namespace tenantctl;
using namespace tenantctl::runtime;
using nlohmann::json;

namespace {

SiteAssets site_of(std::initializer_list<const char*> paths, json config = json::object(), bool has_main = true) {
    SiteAssets s;
    int i = 0;
    for (const char* p : paths) {
        std::string h = std::to_string(++i);
        s.manifest[p] = std::string(32 - h.size(), '0') + h;
    }
    s.config = read_asset_config(config);
    s.has_main = has_main;
    return s;
}

// "200 /file", "404 /file", "307 -> /location", "worker", "404", "405", "304 /file".
std::string answer(const SiteAssets& s, const std::string& target, bool route = false,
                   const std::string& method = "GET", const std::string& inm = "") {
    AssetPlan p = plan_asset_response(s, method, target, inm, route);
    if (p.worker) return "worker";
    if (p.status == 307) return "307 -> " + p.location;
    if (p.hash.empty()) return std::to_string(p.status);
    return std::to_string(p.status) + " " + p.path;
}

}  // namespace

TEST_CASE("html_handling auto-trailing-slash (the default): /about serves about.html, /blog/ its index") {
    auto s = site_of({"/index.html", "/about.html", "/blog/index.html", "/logo.png", "/docs/index"});
    CHECK(answer(s, "/") == "200 /index.html");
    CHECK(answer(s, "/index.html") == "307 -> /");
    CHECK(answer(s, "/index") == "307 -> /");
    CHECK(answer(s, "/about") == "200 /about.html");
    CHECK(answer(s, "/about.html") == "307 -> /about");
    CHECK(answer(s, "/about/") == "307 -> /about");
    CHECK(answer(s, "/about?x=1") == "200 /about.html");
    CHECK(answer(s, "/about.html?x=1") == "307 -> /about?x=1");
    CHECK(answer(s, "/blog") == "307 -> /blog/");
    CHECK(answer(s, "/blog/") == "200 /blog/index.html");
    CHECK(answer(s, "/blog/index.html") == "307 -> /blog/");
    CHECK(answer(s, "/blog.html") == "307 -> /blog/");
    CHECK(answer(s, "/logo.png") == "200 /logo.png");
    CHECK(answer(s, "/docs/index") == "200 /docs/index");  // a file named index is itself
    CHECK(answer(s, "/missing") == "404");
}

TEST_CASE("html_handling force-trailing-slash, drop-trailing-slash and none") {
    auto force = site_of({"/about.html", "/blog/index.html"}, {{"html_handling", "force-trailing-slash"}});
    CHECK(answer(force, "/about") == "307 -> /about/");
    CHECK(answer(force, "/about/") == "200 /about.html");
    CHECK(answer(force, "/about.html") == "307 -> /about/");
    CHECK(answer(force, "/blog") == "307 -> /blog/");
    CHECK(answer(force, "/blog/") == "200 /blog/index.html");

    auto drop = site_of({"/index.html", "/about.html", "/blog/index.html"}, {{"html_handling", "drop-trailing-slash"}});
    CHECK(answer(drop, "/") == "200 /index.html");
    CHECK(answer(drop, "/index.html") == "307 -> /");
    CHECK(answer(drop, "/about") == "200 /about.html");
    CHECK(answer(drop, "/about/") == "307 -> /about");
    CHECK(answer(drop, "/blog") == "200 /blog/index.html");
    CHECK(answer(drop, "/blog/") == "307 -> /blog");
    CHECK(answer(drop, "/blog/index.html") == "307 -> /blog");

    auto none = site_of({"/about.html", "/blog/index.html"}, {{"html_handling", "none"}});
    CHECK(answer(none, "/about.html") == "200 /about.html");
    CHECK(answer(none, "/about") == "404");
    CHECK(answer(none, "/blog/") == "404");
}

TEST_CASE("not_found_handling: none, single-page-application, 404-page (the nearest 404.html)") {
    auto spa = site_of({"/index.html", "/app.js"}, {{"not_found_handling", "single-page-application"}}, false);
    CHECK(answer(spa, "/dashboard/settings") == "200 /index.html");
    CHECK(answer(spa, "/app.js") == "200 /app.js");
    auto pages = site_of({"/404.html", "/blog/404.html", "/blog/post.html"}, {{"not_found_handling", "404-page"}});
    CHECK(answer(pages, "/blog/nope") == "404 /blog/404.html");
    CHECK(answer(pages, "/blog/deep/nope") == "404 /blog/404.html");
    CHECK(answer(pages, "/other/nope") == "404 /404.html");
    CHECK(answer(pages, "/blog/post") == "200 /blog/post.html");
    auto none = site_of({"/index.html"}, json::object(), false);
    CHECK(answer(none, "/nope") == "404");
}

TEST_CASE("routing a request to a worker with assets: assets first, misses and run_worker_first to the worker") {
    auto s =
        site_of({"/index.html", "/about.html", "/api/docs/index.html"},
                {{"not_found_handling", "single-page-application"}, {"run_worker_first", {"/api/*", "!/api/docs/*"}}});
    CHECK(answer(s, "/about", true) == "200 /about.html");
    // a miss goes to the worker: not_found_handling applies to what the assets binding answers
    CHECK(answer(s, "/nope", true) == "worker");
    CHECK(answer(s, "/nope", false) == "200 /index.html");
    CHECK(answer(s, "/api/users", true) == "worker");
    CHECK(answer(s, "/api/docs/", true) == "200 /api/docs/index.html");  // "!" patterns win
    CHECK(answer(s, "/api/docs/missing", true) == "200 /index.html");    // … and assets answer them entirely
    CHECK(answer(s, "/about", true, "POST") == "405");                   // an asset matches: not the worker's
    CHECK(answer(s, "/nope", true, "POST") == "worker");

    auto first = site_of({"/index.html"}, {{"run_worker_first", true}});
    CHECK(answer(first, "/", true) == "worker");
    CHECK(answer(first, "/", false) == "200 /index.html");  // env.ASSETS.fetch never runs the worker
    auto only = site_of({"/index.html"}, {{"run_worker_first", true}}, false);
    CHECK(answer(only, "/", true) == "200 /index.html");  // no worker to run
    CHECK(answer(only, "/nope", true) == "404");
}

TEST_CASE("run_worker_first patterns: * matches any run of characters, the whole path") {
    CHECK(asset_glob_matches("/api/*", "/api/users/1"));
    CHECK(asset_glob_matches("/api/*", "/api/"));
    CHECK_FALSE(asset_glob_matches("/api/*", "/api"));
    CHECK(asset_glob_matches("/*.js", "/a/b/c.js"));
    CHECK_FALSE(asset_glob_matches("/*.js", "/a.json"));
    CHECK(asset_glob_matches("/exact", "/exact"));
    CHECK_FALSE(asset_glob_matches("/exact", "/exact/"));
    CHECK(asset_glob_matches("*", "/anything"));
    CHECK(asset_glob_matches("/a*b*c", "/axxbyyc"));
    CHECK_FALSE(asset_glob_matches("/a*b*c", "/axxbyy"));
    auto c = read_asset_config({{"run_worker_first", {"/api/*", "!/api/docs/*"}}});
    CHECK(c.worker_rules == std::vector<std::string>{"/api/*"});
    CHECK(c.asset_rules == std::vector<std::string>{"/api/docs/*"});
    CHECK_FALSE(c.worker_first);
    CHECK(read_asset_config({{"run_worker_first", true}}).worker_first);
    CHECK(read_asset_config({{"html_handling", "bogus"}}).html_handling == "auto-trailing-slash");
}

TEST_CASE("ETag and If-None-Match; encoded paths; HEAD and other methods") {
    auto s = site_of({"/a b.txt", "/style.css"});
    std::string etag = "\"" + s.manifest["/style.css"] + "\"";
    CHECK(answer(s, "/style.css", false, "GET", etag) == "304 /style.css");
    CHECK(answer(s, "/style.css", false, "GET", "W/" + etag) == "304 /style.css");
    CHECK(answer(s, "/style.css", false, "GET", "\"other\"") == "200 /style.css");
    CHECK(answer(s, "/style.css", false, "HEAD") == "200 /style.css");
    CHECK(answer(s, "/style.css", false, "DELETE") == "405");
    CHECK(answer(s, "/a%20b.txt") == "200 /a b.txt");
    CHECK(answer(s, "//style.css") == "307 -> /style.css");  // slashes collapse to the canonical path
    CHECK(decode_asset_path("/x%2Fy/%E2%9C%93") == "/x/y/\xE2\x9C\x93");
    CHECK(encode_asset_path("/a b/[x]") == "/a%20b/%5Bx%5D");
    CHECK(asset_content_type("/style.css") == "text/css; charset=utf-8");
    CHECK(asset_content_type("/logo.png") == "image/png");
}

TEST_CASE("asset tokens are per script key") {
    CHECK(asset_token("secret", "w:site") == asset_token("secret", "w:site"));
    CHECK(asset_token("secret", "w:site") != asset_token("secret", "n:ns:site"));
    CHECK(asset_token("secret", "w:site") != asset_token("other", "w:site"));
    CHECK(asset_token("secret", "w:site").size() == 64);
}

TEST_CASE("the workerd config: each script's assets through a service of its own; assets-only workers run no code") {
    Model m;
    Script site;
    site.key = "w:site";
    site.name = "site";
    site.etag = "e1";
    site.main = "index.js";
    site.modules = {{"index.js", "esModule", "export default { fetch() { return new Response('x'); } };"}};
    site.bindings = json::array({{{"type", "assets"}, {"name", "ASSETS"}}});
    site.assets = std::make_shared<SiteAssets>(site_of({"/index.html"}));
    Script spa;
    spa.key = "w:spa";
    spa.name = "spa";
    spa.etag = "e2";
    spa.assets = std::make_shared<SiteAssets>(site_of({"/index.html"}, json::object(), false));
    m.scripts = {site, spa};
    GenOptions opt;
    opt.storage_address = "127.0.0.1:1";
    opt.assets_address = "127.0.0.1:2";
    opt.assets_secret = "k";
    Generated g = generate_front(m, opt);
    auto has = [&](const std::string& s) { return g.config.find(s) != std::string::npos; };
    CHECK(has("(name = \"ASSETS\", service = \"assets:w:site\")"));
    CHECK(has("(name = \"a:site\", service = \"assets-route:w:site\")"));
    CHECK(has("(name = \"a:spa\", service = \"assets-route:w:spa\")"));
    CHECK_FALSE(has("(name = \"w:spa\", worker"));  // assets-only: no workerd service
    CHECK(has("value = \"" + asset_token("k", "w:site") + "\""));
    CHECK(has("value = \"" + asset_token("k", "w:spa") + "\""));
    CHECK(g.warnings.empty());
}

TEST_CASE("_redirects: statuses, static before dynamic, splats and placeholders, the query kept") {
    Redirects r = parse_redirects(R"(# comment
/old /new 301
/blog/* /posts/:splat
/users/:id/profile /u/:id 308
/go https://example.com/x?ref=1 302
/app/* /index.html 200
/bad /x 404
/too many words here
https://other.example.com/* /x
/old /again
)");
    CHECK(r.fixed.size() == 2);
    CHECK(r.dynamic.size() == 3);
    REQUIRE(r.skipped.size() == 4);
    CHECK(r.skipped[0] == "line 7: status 404 is not one of 200, 301, 302, 303, 307, 308");
    CHECK(r.skipped[1] == "line 8: expected FROM TO [STATUS]");
    CHECK(r.skipped[3] == "line 10: \"/old\" is redirected by an earlier line");

    SiteAssets s = site_of({"/index.html", "/new.html"},
                           json{{"_redirects",
                                 "/old /new 301\n/blog/* /posts/:splat\n/users/:id/profile /u/:id 308\n"
                                 "/go https://example.com/x?ref=1\n/app/* /index.html 200\n"
                                 "/new.html /elsewhere\n"}});
    auto full = [&](const std::string& target, bool route = false) {
        AssetPlan p = plan_asset_response(s, "GET", target, "", route);
        if (p.worker) return std::string("worker");
        return std::to_string(p.status) + (p.location.empty() ? " " + p.path : " -> " + p.location);
    };
    CHECK(full("/old?x=1") == "301 -> /new?x=1");
    CHECK(full("/blog/2024/hello") == "302 -> /posts/2024/hello");
    CHECK(full("/users/42/profile") == "308 -> /u/42");
    CHECK(full("/users/42/x/profile") == "404 ");
    CHECK(full("/go?y=2") == "302 -> https://example.com/x?ref=1");  // the destination's own query wins
    CHECK(full("/app/settings/team") == "200 /index.html");          // served at the request's URL
    CHECK(full("/new.html") == "302 -> /elsewhere");                 // a rule wins over a file
    CHECK(full("/old", true) == "301 -> /new");                      // in front of a worker too
    CHECK(full("/nothing", true) == "worker");
}

TEST_CASE("_headers: matching rules add headers, later values join, `!` removes, placeholders fill in") {
    HeaderRules h = parse_headers(R"(# security
/*
  X-Frame-Options: DENY
  X-Robots-Tag: noindex
/static/*
  Cache-Control: public, max-age=31536000, immutable
  X-Robots-Tag: nofollow
/static/private/*
  ! X-Robots-Tag
/users/:id
  X-User: :id
  Link: </u/:id.css>; rel=preload
  badline
https://example.com/*
  X-Other: 1
)");
    REQUIRE(h.rules.size() == 4);
    REQUIRE(h.skipped.size() == 3);
    CHECK(h.skipped[0] == "line 13: expected \"Name: value\"");

    auto root = headers_for(h, "/index.html");
    CHECK(root.set ==
          std::vector<std::pair<std::string, std::string>>{{"x-frame-options", "DENY"}, {"x-robots-tag", "noindex"}});
    auto st = headers_for(h, "/static/app.js");
    CHECK(st.set ==
          std::vector<std::pair<std::string, std::string>>{{"x-frame-options", "DENY"},
                                                           {"x-robots-tag", "noindex, nofollow"},
                                                           {"cache-control", "public, max-age=31536000, immutable"}});
    auto priv = headers_for(h, "/static/private/a.txt");
    CHECK(priv.unset == std::vector<std::string>{"x-robots-tag"});
    CHECK(priv.set.size() == 2);  // x-robots-tag gone
    auto user = headers_for(h, "/users/42");
    CHECK(user.set.back() == std::pair<std::string, std::string>{"link", "</u/42.css>; rel=preload"});
    CHECK(user.set[user.set.size() - 2] == std::pair<std::string, std::string>{"x-user", "42"});

    SiteAssets s = site_of({"/a.js"}, json{{"_headers", "/*\n  Cache-Control: no-store\n"}});
    AssetPlan p = plan_asset_response(s, "GET", "/a.js", "", false);
    CHECK(p.status == 200);
    CHECK(p.headers.set == std::vector<std::pair<std::string, std::string>>{{"cache-control", "no-store"}});
}

TEST_CASE("rule patterns: * any run, :name one segment; fill_placeholders takes the longest name first") {
    CHECK(match_rule("/a/*", "/a/b/c")->front().second == "b/c");
    CHECK_FALSE(match_rule("/a/:x", "/a/b/c").has_value());
    CHECK(match_rule("/a/:x/:y", "/a/b/c")->at(1).second == "c");
    CHECK(match_rule("/*.html", "/x/y.html")->front().second == "x/y");
    CHECK(fill_placeholders("/:idx/:id", {{":id", "1"}, {":idx", "2"}}) == "/2/1");
}

TEST_CASE("navigations prefer assets (compatibility date 2025-04-01 on): a page load that misses gets the SPA index") {
    CHECK(navigation_prefers_assets("2025-04-01", {}));
    CHECK_FALSE(navigation_prefers_assets("2025-03-31", {}));
    CHECK_FALSE(navigation_prefers_assets("", {}));
    CHECK(navigation_prefers_assets("2024-01-01", {"assets_navigation_prefers_asset_serving"}));
    CHECK_FALSE(navigation_prefers_assets("2026-01-01", {"assets_navigation_has_no_effect"}));

    SiteAssets s = site_of({"/index.html", "/a.js"},
                           json{{"not_found_handling", "single-page-application"}, {"run_worker_first", {"/api/*"}}});
    s.navigation_prefers_assets = true;
    auto nav = [&](const std::string& target) {
        AssetPlan p = plan_asset_response(s, "GET", target, "", true, true);
        return p.worker ? std::string("worker") : std::to_string(p.status) + " " + p.path;
    };
    CHECK(nav("/settings/profile") == "200 /index.html");
    CHECK(nav("/api/users") == "worker");                     // run_worker_first still wins
    CHECK(answer(s, "/settings/profile", true) == "worker");  // not a page load
    s.navigation_prefers_assets = false;
    CHECK(nav("/settings/profile") == "worker");
}

TEST_CASE("runtime assets: a model rebuild shares the parsed site of unchanged assets") {
    json assets = {{"manifest", {{"/index.html", {{"hash", "h1"}}}}},
                   {"config", {{"_redirects", "/old /new 301\n"}, {"html_handling", "none"}}}};
    // Keyed as the model keys it: by the SHA-256 of the `assets` field's text.
    const std::string digest = sha256_hex(assets.dump());
    auto a = site_assets_memo(assets, digest, true, false);
    REQUIRE(a);
    CHECK(a->config.html_handling == "none");
    CHECK(a->manifest.at("/index.html") == "h1");
    CHECK(site_assets_memo(assets, digest, true, false) == a);   // the same parse
    CHECK(site_assets_memo(assets, digest, false, false) != a);  // assets-only: another site
    json changed = assets;
    changed["config"]["_redirects"] = "/old /newer 302\n";
    auto b = site_assets_memo(changed, sha256_hex(changed.dump()), true, false);
    CHECK(b != a);
    CHECK(b->manifest.at("/index.html") == "h1");
    CHECK(site_assets_memo(json(), "", true, false) == nullptr);
    CHECK(a->config.redirects.fixed.at("/old").status == 301);
    CHECK(b->config.redirects.fixed.at("/old").status == 302);
    a.reset();  // no model holds it: the next rebuild parses again, and gets the same answer
    auto c = site_assets_memo(assets, digest, true, false);
    CHECK(c->config.redirects.fixed.at("/old").status == 301);
}
