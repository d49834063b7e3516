// The v4 client: envelope decoding, typed errors, the four pagination styles, typed wrappers' requests,
// connection resolution and profiles, multipart bodies and the secrets bulk parser.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/client.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "support/test_http_server.hpp"

using namespace tenantctl;
using namespace tenantctl::api;
using nlohmann::json;
using tenantctl::testing::RecordedRequest;
using tenantctl::testing::ScriptedResponse;
using tenantctl::testing::TestHttpServer;
using namespace std::chrono_literals;

namespace {

ClientOptions opts(const TestHttpServer& s, FakeClock& clock) {
    ClientOptions o;
    o.api_url = s.url() + "/client/v4";
    o.credentials.kind = Credentials::Kind::Token;
    o.credentials.token = "client-test-token-xyz";
    o.http.clock = &clock;
    o.http.random01 = [] { return 0.0; };
    return o;
}

std::string items(int from, int to) {
    json a = json::array();
    for (int i = from; i < to; ++i) a.push_back({{"id", "id" + std::to_string(i)}, {"name", "n" + std::to_string(i)}});
    return a.dump();
}

struct TempDir {
    std::string path;
    TempDir() : path((std::filesystem::temp_directory_path() / ("tc-api-" + random_hex(4))).string()) {
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("api pagination: page/per_page stops at total_count over three pages") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts", [](const RecordedRequest& r) {
        int page = std::stoi(r.param("page"));
        int per = std::stoi(r.param("per_page"));
        return ScriptedResponse::envelope(
            items((page - 1) * per, std::min(page * per, 120)),
            json{{"page", page}, {"per_page", per}, {"count", 50}, {"total_count", 120}}.dump());
    });
    FakeClock clock;
    ApiClient c(opts(s, clock));
    auto r = c.list_accounts();
    REQUIRE(r.ok());
    CHECK(r->size() == 120);
    CHECK(r->back().id == "id119");
    CHECK(s.requests().size() == 3);
    CHECK(s.unexpected().empty());
}

TEST_CASE("api pagination: page/per_page without total_count stops on the empty page") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts/a/storage/kv/namespaces", [](const RecordedRequest& r) {
        int page = std::stoi(r.param("page"));
        std::string result = page <= 2 ? items(page * 10, page * 10 + 3) : "[]";
        return ScriptedResponse::envelope(result, json{{"page", page}, {"per_page", 3}, {"total_pages", 99}}.dump());
    });
    FakeClock clock;
    ApiClient c(opts(s, clock));
    auto r = c.list_kv_namespaces("a");
    REQUIRE(r.ok());
    CHECK(r->size() == 6);
    CHECK(s.requests().size() == 3);
}

TEST_CASE("api pagination: cursor over three pages (KV keys)") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts/a/storage/kv/namespaces/ns1/keys", [](const RecordedRequest& r) {
        std::string cur = r.param("cursor");
        CHECK(r.param("limit") == "1000");
        CHECK(r.param("prefix") == "user:");
        if (cur.empty())
            return ScriptedResponse::envelope(R"([{"name":"user:1"},{"name":"user:2"}])",
                                              R"({"count":2,"cursor":"c2"})");
        if (cur == "c2") return ScriptedResponse::envelope(R"([{"name":"user:3"}])", R"({"count":1,"cursor":"c3"})");
        return ScriptedResponse::envelope(R"([{"name":"user:4","expiration":1700000000}])",
                                          R"({"count":1,"cursor":""})");
    });
    FakeClock clock;
    ApiClient c(opts(s, clock));
    auto r = c.list_kv_keys("a", "ns1", "user:");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 4);
    CHECK(r->at(3).expiration == 1700000000);
    CHECK(s.requests().size() == 3);
}

TEST_CASE("api pagination: cursor with an items key (R2 {buckets:[]}) and the jurisdiction header") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts/a/r2/buckets", [](const RecordedRequest& r) {
        CHECK(r.header("cf-r2-jurisdiction") == "eu");
        std::string cur = r.param("cursor");
        if (cur.empty()) return ScriptedResponse::envelope(R"({"buckets":[{"name":"b1"}]})", R"({"cursor":"x"})");
        if (cur == "x") return ScriptedResponse::envelope(R"({"buckets":[{"name":"b2"}]})", R"({"cursor":"y"})");
        return ScriptedResponse::envelope(R"({"buckets":[{"name":"b3","location":"weur"}]})", R"({"per_page":1000})");
    });
    FakeClock clock;
    ApiClient c(opts(s, clock));
    R2Options ro;
    ro.jurisdiction = "eu";
    auto r = c.list_r2_buckets("a", ro);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    CHECK(r->at(2).location == "weur");
    CHECK(s.requests().size() == 3);
}

TEST_CASE("api pagination: page token over three pages") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts/a/containers/applications", [](const RecordedRequest& r) {
        std::string tok = r.param("page_token");
        CHECK(r.param("per_page") == "2");
        if (tok.empty()) return ScriptedResponse::envelope(items(0, 2), R"({"per_page":2,"next_page_token":"t2"})");
        if (tok == "t2")
            return ScriptedResponse::envelope(items(2, 4),
                                              R"({"per_page":2,"page_token":"t2","next_page_token":"t3"})");
        return ScriptedResponse::envelope(items(4, 5), R"({"per_page":2,"page_token":"t3"})");
    });
    FakeClock clock;
    ApiClient c(opts(s, clock));
    ListOptions o;
    o.style = PageStyle::PageToken;
    o.per_page = 2;
    auto r = c.list_all("/accounts/a/containers/applications", {}, o);
    REQUIRE(r.ok());
    CHECK(r->size() == 5);
    CHECK(s.requests().size() == 3);
}

TEST_CASE("api pagination: single page, even if result_info is present") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts/a/workers/dispatch/namespaces",
         {ScriptedResponse::envelope(R"([{"namespace_id":"u1","namespace_name":"prod","script_count":3}])",
                                     R"({"page":1,"per_page":1,"total_count":9})")});
    FakeClock clock;
    ApiClient c(opts(s, clock));
    auto r = c.list_dispatch_namespaces("a");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    CHECK(r->at(0).name == "prod");
    CHECK(r->at(0).script_count == 3);
    CHECK(s.requests().size() == 1);
}

TEST_CASE("api envelope: errors become typed errors with hints") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts/a/workers/dispatch/namespaces/ns/scripts/nope",
         {ScriptedResponse::api_error(404, 10092, "workers.api.error.script_not_found")});
    s.on("GET", "/client/v4/user/tokens/verify", {ScriptedResponse::api_error(401, 1000, "Invalid API Token")});
    s.on("GET", "/client/v4/accounts/a/r2/buckets/b", {ScriptedResponse::api_error(404, 10006, "bucket not found")});
    s.on("POST", "/client/v4/accounts/a/workers/dispatch/namespaces",
         {ScriptedResponse::api_error(409, 100, "exists")});
    s.on("GET", "/client/v4/accounts/a/workers/dispatch/namespaces/weird",
         {ScriptedResponse::json(
             200, R"({"success":false,"errors":[{"code":7003,"message":"No route"}],"messages":[],"result":null})")});
    FakeClock clock;
    ApiClient c(opts(s, clock));

    auto nf = c.get_namespace_script("a", "ns", "nope");
    REQUIRE_FALSE(nf.ok());
    CHECK(nf.error().kind == ErrorKind::NotFound);
    CHECK(nf.error().api_errors.at(0).code == 10092);
    CHECK(nf.error().hint.find("does not exist") != std::string::npos);

    auto auth = c.verify_token();
    REQUIRE_FALSE(auth.ok());
    CHECK(auth.error().kind == ErrorKind::Auth);
    CHECK(auth.error().http_status == 401);
    CHECK(auth.error().hint.find("tenantctl login") != std::string::npos);
    CHECK(auth.error().message.find("client-test-token") == std::string::npos);

    auto b = c.get_r2_bucket("a", "b");
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().kind == ErrorKind::NotFound);

    auto conflict = c.create_dispatch_namespace("a", "x");
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().kind == ErrorKind::Conflict);

    auto weird = c.get_dispatch_namespace("a", "weird");
    REQUIRE_FALSE(weird.ok());
    CHECK(weird.error().api_errors.at(0).code == 7003);
    CHECK(weird.error().message.rfind("request GET /accounts/a/", 0) == 0);
}

TEST_CASE("api envelope: bare bulk-delete object and non-envelope bodies") {
    TestHttpServer s;
    s.on("DELETE", "/client/v4/accounts/a/workers/dispatch/namespaces/ns/scripts", [](const RecordedRequest& r) {
        CHECK(r.param("tags") == "plan:free:yes");
        return ScriptedResponse::json(200,
                                      R"({"deleted":[{"id":"s1"},{"id":"s2"}],"deleted_count":2,"has_more":false})");
    });
    s.on("GET", "/client/v4/accounts/a/storage/kv/namespaces/n/values/k%2F1",
         {ScriptedResponse{200, {{"Content-Type", "application/octet-stream"}}, std::string("raw\0bytes", 9)}});
    FakeClock clock;
    ApiClient c(opts(s, clock));
    auto d = c.delete_namespace_scripts_by_tags("a", "ns", "plan:free:yes");
    REQUIRE(d.ok());
    CHECK(d->deleted_count == 2);
    CHECK(d->deleted == std::vector<std::string>{"s1", "s2"});
    auto v = c.get_kv_value("a", "n", "k/1");
    REQUIRE(v.ok());
    CHECK(*v == std::string("raw\0bytes", 9));
    CHECK(s.unexpected().empty());
}

TEST_CASE("api wrappers send the documented requests") {
    TestHttpServer s;
    s.on_prefix("PUT", "/client/v4/", [](const RecordedRequest&) { return ScriptedResponse::envelope("{}"); });
    s.on_prefix("PATCH", "/client/v4/", [](const RecordedRequest&) { return ScriptedResponse::envelope("{}"); });
    s.on_prefix("DELETE", "/client/v4/", [](const RecordedRequest&) { return ScriptedResponse::envelope("null"); });
    s.on_prefix("POST", "/client/v4/", [](const RecordedRequest&) { return ScriptedResponse::envelope("{}"); });
    FakeClock clock;
    ApiClient c(opts(s, clock));
    ScriptRef wfp{"a", "prod", "tenant-1"};
    ScriptRef acct{"a", "", "worker"};

    REQUIRE(c.put_secret(wfp, "API_KEY", "s3cr3t-value").ok());
    auto r = s.requests().back();
    CHECK(r.method == "PUT");
    CHECK(r.path == "/client/v4/accounts/a/workers/dispatch/namespaces/prod/scripts/tenant-1/secrets");
    CHECK(json::parse(r.body) == json{{"name", "API_KEY"}, {"text", "s3cr3t-value"}, {"type", "secret_text"}});
    CHECK(r.header("content-type") == "application/json");

    SecretsPatch patch{{"A", std::string("1")}, {"GONE", std::nullopt}};
    REQUIRE(c.bulk_secrets(acct, patch).ok());
    r = s.requests().back();
    CHECK(r.method == "PATCH");
    CHECK(r.path == "/client/v4/accounts/a/workers/scripts/worker/secrets-bulk");
    CHECK(r.header("content-type") == "application/merge-patch+json");
    CHECK(json::parse(r.body) ==
          json::parse(R"({"secrets":{"A":{"name":"A","text":"1","type":"secret_text"},"GONE":null}})"));

    REQUIRE(c.delete_secret(acct, "MY KEY").ok());
    CHECK(s.requests().back().target ==
          "/client/v4/accounts/a/workers/scripts/worker/secrets/MY%20KEY?url_encoded=true");

    REQUIRE(c.rename_dispatch_namespace("a", "old", "new").ok());
    r = s.requests().back();
    CHECK(r.method == "PUT");
    CHECK(json::parse(r.body) == json{{"name", "new"}});

    REQUIRE(c.delete_namespace_script("a", "prod", "t1", true).ok());
    CHECK(s.requests().back().target == "/client/v4/accounts/a/workers/dispatch/namespaces/prod/scripts/t1?force=true");

    REQUIRE(c.put_script_tags("a", "prod", "t1", {"plan:pro", "region:eu"}).ok());
    CHECK(json::parse(s.requests().back().body) == json::array({"plan:pro", "region:eu"}));
    REQUIRE(c.put_script_tag("a", "prod", "t1", "vip").ok());
    CHECK(s.requests().back().path == "/client/v4/accounts/a/workers/dispatch/namespaces/prod/scripts/t1/tags/vip");

    REQUIRE(c.patch_script_settings("a", "prod", "t1", json{{"tags", {"x"}}}).ok());
    r = s.requests().back();
    CHECK(r.header("content-type").rfind("multipart/form-data; boundary=", 0) == 0);
    CHECK(r.body.find("name=\"settings\"") != std::string::npos);

    REQUIRE(c.put_kv_value("a", "n", "k", "v1").ok());
    r = s.requests().back();
    CHECK(r.header("content-type").rfind("multipart/form-data", 0) == 0);
    CHECK(r.body.find("name=\"value\"\r\n\r\nv1\r\n") != std::string::npos);
    REQUIRE(c.put_kv_value("a", "n", "k", "raw-v", false).ok());
    CHECK(s.requests().back().body == "raw-v");

    R2Options ro;
    ro.jurisdiction = "eu";
    ro.location_hint = "weur";
    REQUIRE(c.create_r2_bucket("a", "bucket-1", ro).ok());
    r = s.requests().back();
    CHECK(r.header("cf-r2-jurisdiction") == "eu");
    CHECK(json::parse(r.body) == json{{"name", "bucket-1"}, {"locationHint", "weur"}});

    auto upload = build_worker_upload(R"({"main_module":"index.js"})", {{"index.js", "", "export default {}"}});
    REQUIRE(c.put_namespace_script("a", "prod", "t1", upload, true).ok());
    r = s.requests().back();
    CHECK(r.target == "/client/v4/accounts/a/workers/dispatch/namespaces/prod/scripts/t1?bindings_inherit=strict");
    CHECK(r.body.find("Content-Disposition: form-data; name=\"index.js\"; filename=\"index.js\"\r\n"
                      "Content-Type: application/javascript+module") != std::string::npos);
    CHECK(s.unexpected().empty());
}

TEST_CASE("api account discovery") {
    TestHttpServer s;
    s.on("GET", "/client/v4/accounts",
         {ScriptedResponse::envelope(R"([{"id":"a1","name":"One"},{"id":"a2","name":"Two"}])",
                                     R"({"page":1,"per_page":50,"total_count":2})")});
    FakeClock clock;
    ApiClient c(opts(s, clock));
    auto r = c.discover_account();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("a1 (One)") != std::string::npos);
    CHECK(r.error().message.find("a2 (Two)") != std::string::npos);
    CHECK(r.error().hint.find("--account-id") != std::string::npos);

    TestHttpServer one;
    one.on("GET", "/client/v4/accounts",
           {ScriptedResponse::envelope("[]", R"({"page":1,"per_page":50,"total_count":0})")});
    one.on("GET", "/client/v4/memberships",
           {ScriptedResponse::envelope(R"([{"id":"m1","status":"accepted","account":{"id":"a9","name":"Nine"}}])",
                                       R"({"page":1,"per_page":50,"total_count":1})")});
    ApiClient c1(opts(one, clock));
    auto a = c1.discover_account();
    REQUIRE(a.ok());
    CHECK(a->id == "a9");
    CHECK(validate_account_id("0123456789abcdef0123456789abcdef", "--account-id").ok());
    CHECK_FALSE(validate_account_id("not an id!", "--account-id").ok());
    CHECK_FALSE(validate_account_id(std::string(33, 'a'), "--account-id").ok());
}

TEST_CASE("api connection resolution and profiles") {
    TempDir home;
    std::map<std::string, std::string> vars{{"HOME", home.path}, {"XDG_CONFIG_HOME", home.path + "/cfg"}};
    Env env = Env::from_map(vars);

    auto none = resolve_connection({}, env);
    REQUIRE(none.ok());
    CHECK(none->api_url == k_default_api_url);
    CHECK(none->credentials.kind == Credentials::Kind::None);

    Profile p{"default", "http://127.0.0.1:9/client/v4/", "profile-token-1234", "acc-from-profile"};
    REQUIRE(write_profile(env, p).ok());
    struct stat st {};
    REQUIRE(::stat(profile_path(env, "default").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto text = read_file(profile_path(env, "default"));
    REQUIRE(text.ok());
    CHECK(json::parse(*text) == json{{"api_url", "http://127.0.0.1:9/client/v4/"},
                                     {"api_token", "profile-token-1234"},
                                     {"account_id", "acc-from-profile"}});

    auto viaprof = resolve_connection({}, env);
    REQUIRE(viaprof.ok());
    CHECK(viaprof->api_url == "http://127.0.0.1:9/client/v4");
    CHECK(viaprof->credentials.token == "profile-token-1234");
    CHECK(viaprof->profile->account_id == "acc-from-profile");

    vars["CLOUDFLARE_API_TOKEN"] = "env-token-5678";
    vars["CLOUDFLARE_API_BASE_URL"] = "http://127.0.0.1:8/client/v4";
    env = Env::from_map(vars);
    auto viaenv = resolve_connection({}, env);
    REQUIRE(viaenv.ok());
    CHECK(viaenv->credentials.token == "env-token-5678");
    CHECK(viaenv->api_url == "http://127.0.0.1:8/client/v4");

    ConnectionInputs flag;
    flag.api_url_flag = "http://127.0.0.1:7";
    CHECK(resolve_connection(flag, env)->api_url == "http://127.0.0.1:7");

    ConnectionInputs explicit_default;
    explicit_default.profile_flag = "default";
    auto ex = resolve_connection(explicit_default, env);
    REQUIRE(ex.ok());
    CHECK(ex->credentials.token == "profile-token-1234");  // an explicit profile wins over the environment
    CHECK(ex->api_url == "http://127.0.0.1:9/client/v4");

    ConnectionInputs local;
    local.local = true;
    auto missing = resolve_connection(local, env);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().hint.find("tenantctl dev") != std::string::npos);
    REQUIRE(write_profile(env, Profile{"local", "http://127.0.0.1:8787/client/v4", "local-token-abcd", ""}).ok());
    auto loc = resolve_connection(local, env);
    REQUIRE(loc.ok());
    CHECK(loc->profile_name == "local");
    CHECK(loc->credentials.token == "local-token-abcd");

    vars.erase("CLOUDFLARE_API_TOKEN");
    vars["CLOUDFLARE_API_KEY"] = "k-12345";
    env = Env::from_map(vars);
    CHECK_FALSE(resolve_connection({}, env).ok());  // key without email
    vars["TENANTCTL_PROFILE"] = "local";
    vars.erase("CLOUDFLARE_API_KEY");
    // the local profile's token would go to CLOUDFLARE_API_BASE_URL (another address): refused (issue #17)
    CHECK(resolve_connection({}, Env::from_map(vars)).error().kind == ErrorKind::Usage);
    vars.erase("CLOUDFLARE_API_BASE_URL");
    CHECK(resolve_connection({}, Env::from_map(vars))->credentials.token == "local-token-abcd");

    CHECK(remove_profile(env, "local").value_or(false));
    CHECK_FALSE(remove_profile(env, "local").value_or(true));
    CHECK_FALSE(validate_profile_name("../x").ok());
    REQUIRE(write_file_atomic(profile_path(env, "broken"), "{\"api_token\": 5}", 0600).ok());
    auto broken = read_profile(env, "broken");
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().message.find("api_token") != std::string::npos);
}

TEST_CASE("api secrets bulk input: JSON and .env") {
    auto j = parse_secrets_input(R"({"A":"1","B":"two words","GONE":null})", "secrets.json");
    REQUIRE(j.ok());
    CHECK(j->size() == 3);
    CHECK(j->at("B") == std::optional<std::string>("two words"));
    CHECK_FALSE(j->at("GONE").has_value());

    auto e = parse_secrets_input(
        "# comment\nexport A=1\nB = \"quoted # not comment\"\nC='single'\nD=plain # trailing\n\n", ".env");
    REQUIRE(e.ok());
    CHECK(e->at("A") == std::optional<std::string>("1"));
    CHECK(e->at("B") == std::optional<std::string>("quoted # not comment"));
    CHECK(e->at("C") == std::optional<std::string>("single"));
    CHECK(e->at("D") == std::optional<std::string>("plain"));

    auto bad = parse_secrets_input("{\"A\": \"very-secret-value\", }", "s.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("s.json") != std::string::npos);
    CHECK(bad.error().message.find("very-secret-value") == std::string::npos);
    CHECK_FALSE(bad.error().hint.empty());
    CHECK_FALSE(parse_secrets_input(R"({"A": 5})", "s.json").ok());
    CHECK_FALSE(parse_secrets_input("[1]", "s.json").ok());
    auto noeq = parse_secrets_input("A=1\nthis-is-the-value-line\n", ".env");
    REQUIRE_FALSE(noeq.ok());
    CHECK(noeq.error().message.find("line 2") != std::string::npos);
    CHECK(noeq.error().message.find("this-is-the-value-line") == std::string::npos);
    CHECK_FALSE(parse_secrets_input("", "stdin").ok());
    CHECK_FALSE(parse_secrets_input("A=\"unclosed\n", ".env").ok());
}

TEST_CASE("api multipart bodies") {
    auto m =
        build_multipart({{"metadata", "", "", "{}"}, {"a.js", "a.js", "application/javascript+module", "x"}}, "BOUND");
    CHECK(m.content_type() == "multipart/form-data; boundary=BOUND");
    CHECK(m.data ==
          "--BOUND\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}\r\n"
          "--BOUND\r\nContent-Disposition: form-data; name=\"a.js\"; filename=\"a.js\"\r\n"
          "Content-Type: application/javascript+module\r\n\r\nx\r\n--BOUND--\r\n");
    auto clash = build_multipart({{"v", "", "", "contains BOUND inside"}}, "BOUND");
    CHECK(clash.boundary != "BOUND");
    CHECK(module_content_type("x.wasm") == "application/wasm");
    CHECK(module_content_type("x.mjs") == "application/javascript+module");
    CHECK(module_content_type("x.bin") == "application/octet-stream");
}
