// sync_assets against an in-process HTTP server: the upload session, bucket uploads with the session token (not
// the API token), the completion token, the single-file mode a session token can ask for, and a session that
// asks for a file the manifest does not have.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "../support/test_http_server.hpp"
#include "core/strings.hpp"
#include "deploy/assets_sync.hpp"

using namespace tenantctl;
using nlohmann::json;
using tenantctl::testing::RecordedRequest;
using tenantctl::testing::ScriptedResponse;
using tenantctl::testing::TestHttpServer;
namespace fs = std::filesystem;

namespace {

const std::string k_acct = "0123456789abcdef0123456789abcdef";

std::string b64url(const std::string& s) {
    std::string out = base64_encode(s);
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

std::string jwt(const json& payload) {
    return b64url(R"({"alg":"HS256"})") + "." + b64url(payload.dump()) + ".sig";
}

struct Site {
    std::string dir;
    workers::AssetManifest manifest;
    Site() : dir((fs::temp_directory_path() / ("tc-assets-sync-" + random_hex(4))).string()) {
        fs::create_directories(dir + "/css");
        std::ofstream(dir + "/index.html") << "<h1>hi</h1>\n";
        std::ofstream(dir + "/css/site.css") << "h1 { color: red }\n";
        std::ofstream(dir + "/logo.bin", std::ios::binary) << std::string("\x00\x01\xff", 3);
        auto m = workers::build_asset_manifest(dir);
        REQUIRE(m.ok());
        manifest = *m;
        REQUIRE(manifest.entries.size() == 3);
    }
    ~Site() { fs::remove_all(dir); }
    std::string hash(const std::string& key) const {
        for (const auto& e : manifest.entries)
            if (e.key == key) return e.hash;
        return {};
    }
};

api::ClientOptions client_options(const TestHttpServer& s) {
    api::ClientOptions o;
    o.api_url = s.url() + "/client/v4";
    o.credentials.kind = api::Credentials::Kind::Token;
    o.credentials.token = "api-token-not-for-uploads";
    o.http.retry.max_attempts = 1;
    return o;
}

const std::string k_base = "/client/v4/accounts/" + k_acct;

}  // namespace

TEST_CASE("sync_assets: the buckets go with the session token, and the completion token is the last one given") {
    Site site;
    TestHttpServer s;
    const std::string session = jwt({{"sid", "1"}});
    json buckets = {{site.hash("/index.html")}, {site.hash("/css/site.css"), site.hash("/logo.bin")}};
    s.on("POST", k_base + "/workers/scripts/web/assets-upload-session", [&](const RecordedRequest& r) {
        json body = json::parse(r.body);
        CHECK(body["manifest"].size() == 3);
        CHECK(body["manifest"]["/logo.bin"]["size"] == 3);
        CHECK(r.header("authorization") == "Bearer api-token-not-for-uploads");
        return ScriptedResponse::envelope(json{{"jwt", session}, {"buckets", buckets}}.dump());
    });
    std::atomic<int> received{0};
    s.on("POST", k_base + "/workers/assets/upload", [&](const RecordedRequest& r) {
        CHECK(r.param("base64") == "true");
        CHECK(r.header("authorization") == "Bearer " + session);
        CHECK(r.header("x-auth-key").empty());
        CHECK(r.header("content-type").find("multipart/form-data; boundary=") == 0);
        if (r.body.find("name=\"" + site.hash("/logo.bin") + "\"") != std::string::npos)
            CHECK(r.body.find(base64_encode(std::string("\x00\x01\xff", 3))) != std::string::npos);
        int n = ++received;
        return ScriptedResponse::envelope(n == 2 ? R"({"jwt":"completion"})" : "{}");
    });
    api::ApiClient client(client_options(s));
    auto r = deploy::sync_assets(client, {k_acct, "", "web"}, site.manifest);
    REQUIRE(r.ok());
    CHECK(r->completion_jwt == "completion");
    CHECK(r->files == 3);
    CHECK(r->uploaded_files == 3);
    CHECK(r->upload_requests == 2);
    CHECK(r->uploaded_bytes ==
          site.manifest.entries[0].size + site.manifest.entries[1].size + site.manifest.entries[2].size);
    CHECK(s.unexpected().empty());
}

TEST_CASE("sync_assets: nothing missing means no upload; a namespace script has its own session path") {
    Site site;
    TestHttpServer s;
    s.on("POST", k_base + "/workers/dispatch/namespaces/prod/scripts/t-1/assets-upload-session",
         {ScriptedResponse::envelope(R"({"jwt":"already-complete","buckets":[]})")});
    api::ApiClient client(client_options(s));
    auto r = deploy::sync_assets(client, {k_acct, "prod", "t-1"}, site.manifest);
    REQUIRE(r.ok());
    CHECK(r->completion_jwt == "already-complete");
    CHECK(r->upload_requests == 0);
    CHECK(s.requests().size() == 1);
    CHECK(s.unexpected().empty());
}

TEST_CASE("sync_assets: a session token asking for single-file uploads gets one raw request per file") {
    Site site;
    TestHttpServer s;
    const std::string session = jwt({{"wrangler_single_asset_uploads", true}, {"edge_kv_upload_concurrency", 2}});
    s.on("POST", k_base + "/workers/scripts/web/assets-upload-session", [&](const RecordedRequest&) {
        json b = json::array({json::array({site.hash("/index.html"), site.hash("/logo.bin")})});
        return ScriptedResponse::envelope(json{{"jwt", session}, {"buckets", b}}.dump());
    });
    std::atomic<int> received{0};
    s.on_prefix("POST", k_base + "/workers/assets/upload/", [&](const RecordedRequest& r) {
        CHECK(r.header("authorization") == "Bearer " + session);
        if (r.path.ends_with(site.hash("/logo.bin"))) {
            CHECK(r.body == std::string("\x00\x01\xff", 3));
            CHECK(r.header("content-type") == "application/octet-stream");
        } else {
            CHECK(r.path.ends_with(site.hash("/index.html")));
            CHECK(r.body == "<h1>hi</h1>\n");
            CHECK(r.header("content-type") == "text/html; charset=utf-8");
        }
        int n = ++received;
        return ScriptedResponse::envelope(n == 2 ? R"({"jwt":"done"})" : "{}");
    });
    api::ApiClient client(client_options(s));
    auto r = deploy::sync_assets(client, {k_acct, "", "web"}, site.manifest);
    REQUIRE(r.ok());
    CHECK(r->completion_jwt == "done");
    CHECK(r->upload_requests == 2);
    CHECK(s.unexpected().empty());
}

TEST_CASE("sync_assets: a session asking for a file the manifest lacks, or never completing, is an error") {
    Site site;
    TestHttpServer s;
    s.on("POST", k_base + "/workers/scripts/web/assets-upload-session",
         {ScriptedResponse::envelope(json{{"jwt", "x.y.z"}, {"buckets", {{std::string(32, 'f')}}}}.dump()),
          ScriptedResponse::envelope(json{{"jwt", "x.y.z"}, {"buckets", {{site.hash("/index.html")}}}}.dump())});
    s.on("POST", k_base + "/workers/assets/upload", {ScriptedResponse::envelope("{}")});
    api::ApiClient client(client_options(s));
    auto r = deploy::sync_assets(client, {k_acct, "", "web"}, site.manifest);
    REQUIRE(!r.ok());
    CHECK(r.error().message.find("not in the manifest") != std::string::npos);
    CHECK(s.requests().size() == 1);  // nothing uploaded
    auto r2 = deploy::sync_assets(client, {k_acct, "", "web"}, site.manifest);
    REQUIRE(!r2.ok());
    CHECK(r2.error().message.find("without a completion token") != std::string::npos);
}
