// Unit tests for what real Cloudflare clients need from the local platform (issue #16): the upload formats of
// the `cloudflare` SDK 6.x/7.x and the Workers for Platforms template, storage created for bindings, the
// services view, KV bulk, R2 objects, D1 queries on <state_dir>/d1/<uuid>.sqlite, stable account ids.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "platform/api.hpp"
#include "platform/d1.hpp"
#include "platform/dev.hpp"
#include "platform/store.hpp"
#include "support/test_fs.hpp"

using namespace tenantctl;
using namespace tenantctl::platform;
using nlohmann::json;

namespace {

struct Fixture {
    testing::TempDir dir{"tenantctl-clients"};
    std::unique_ptr<Store> store = std::move(Store::open(":memory:").value());
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    ApiOptions opt = [this] {
        ApiOptions o;
        o.state_dir = dir.str();
        return o;
    }();
    Api api{*store, creds, opt};

    HttpResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                      const std::string& ct = "application/json") {
        HttpRequest r;
        r.method = method;
        r.target = "/client/v4" + path;
        r.headers["authorization"] = "Bearer " + creds.api_token;
        if (!body.empty()) r.headers["content-type"] = ct;
        r.body = body;
        return api.handle(r);
    }
    std::string acct() const { return "/accounts/" + creds.account_id; }
};

json body_of(const HttpResponse& r) {
    return json::parse(r.body, nullptr, false);
}

// A multipart body from (disposition params, content type, body) parts.
std::string form(const std::vector<std::tuple<std::string, std::string, std::string>>& parts) {
    std::string out;
    for (auto& [disp, ct, body] : parts) {
        out += "--b\r\nContent-Disposition: form-data; " + disp + "\r\n";
        if (!ct.empty()) out += "Content-Type: " + ct + "\r\n";
        out += "\r\n" + body + "\r\n";
    }
    return out + "--b--\r\n";
}
const char* k_mp = "multipart/form-data; boundary=b";

}  // namespace

TEST_CASE("clients: module names come from part file names (SDK 6.x files parts, the WfP template)") {
    Fixture f;
    REQUIRE(f.call("POST", f.acct() + "/workers/dispatch/namespaces", R"({"name":"ns"})").status == 200);
    // SDK 6.x: every module in a part named `files`.
    auto sdk6 = form({{R"(name="metadata"; filename="metadata")", "application/json", R"({"main_module":"worker.js"})"},
                      {R"(name="files"; filename="worker.js")", "application/javascript+module", "export default {}"},
                      {R"(name="files"; filename="lib.js")", "application/javascript+module", "export const x = 1"}});
    auto r = f.call("PUT", f.acct() + "/workers/scripts/sdk6", sdk6, k_mp);
    CHECK(r.status == 200);
    auto content = f.call("GET", f.acct() + "/workers/scripts/sdk6/content/v2");
    CHECK(content.body.find("filename=\"lib.js\"") != std::string::npos);
    // The Workers for Platforms template: a part named `script` whose file name is the module.
    auto wfp = form({{R"(name="metadata"; filename="metadata.json")", "application/json", R"({"main_module":"x.mjs"})"},
                     {R"(name="script"; filename="x.mjs")", "application/javascript+module", "export default {}"}});
    CHECK(f.call("PUT", f.acct() + "/workers/dispatch/namespaces/ns/scripts/t1", wfp, k_mp).status == 200);
    // A part named after the module with another file name (curl -F "index.js=@/tmp/x.js") still works.
    auto curl = form({{R"(name="metadata")", "", R"({"main_module":"index.js"})"},
                      {R"(name="index.js"; filename="x.js")", "application/javascript+module", "export default {}"}});
    CHECK(f.call("PUT", f.acct() + "/workers/scripts/curl", curl, k_mp).status == 200);
    auto missing = form({{R"(name="metadata")", "", R"({"main_module":"nope.js"})"},
                         {R"(name="files"; filename="worker.js")", "application/javascript+module", "x"}});
    auto bad = f.call("PUT", f.acct() + "/workers/scripts/bad", missing, k_mp);
    CHECK(bad.status == 400);
    CHECK(body_of(bad)["errors"][0]["code"] == 10021);
}

TEST_CASE("clients: a multipart body sent as application/javascript (SDK 7.x) is refused with 10021") {
    Fixture f;
    auto sdk7 =
        form({{R"(name="metadata[main_module]")", "", "worker.js"},
              {R"(name="files[]"; filename="worker.js")", "application/javascript+module", "export default {}"}});
    auto r = f.call("PUT", f.acct() + "/workers/scripts/sdk7", sdk7, "application/javascript");
    CHECK(r.status == 400);
    CHECK(body_of(r)["errors"][0]["code"] == 10021);
    CHECK(f.call("GET", f.acct() + "/workers/scripts/sdk7/settings").status == 404);
    // A plain service worker is still taken as a script.
    CHECK(
        f.call("PUT", f.acct() + "/workers/scripts/sw", "addEventListener('fetch', () => {})", "application/javascript")
            .status == 200);
}

TEST_CASE("clients: bindings to storage that does not exist create it, and the response says so") {
    Fixture f;
    auto up = form(
        {{R"(name="metadata")", "application/json",
          R"({"main_module":"a.js","bindings":[{"type":"kv_namespace","name":"CACHE","namespace_id":"0f2ac74b498b48028cb68387c421e279"},)"
          R"({"type":"r2_bucket","name":"FILES","bucket_name":"files-x"},)"
          R"({"type":"d1","name":"DB","id":"4e1c28a9-90e4-41da-8b4b-6cf36e5abb29"}]})"},
         {R"(name="a.js"; filename="a.js")", "application/javascript+module", "export default {}"}});
    auto r = f.call("PUT", f.acct() + "/workers/scripts/app", up, k_mp);
    REQUIRE(r.status == 200);
    auto b = body_of(r);
    CHECK(b["messages"].size() == 3);
    CHECK(b["result"]["deployment_id"].is_string());
    CHECK(f.call("GET", f.acct() + "/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279").status == 200);
    CHECK(f.call("GET", f.acct() + "/r2/buckets/files-x").status == 200);
    CHECK(f.call("GET", f.acct() + "/d1/database/4e1c28a9-90e4-41da-8b4b-6cf36e5abb29").status == 200);
    // A second upload finds them: nothing new.
    CHECK(body_of(f.call("PUT", f.acct() + "/workers/scripts/app", up, k_mp))["messages"].empty());
    // A D1 id that cannot name a file is refused.
    auto evil = form(
        {{R"(name="metadata")", "", R"({"main_module":"a.js","bindings":[{"type":"d1","name":"DB","id":"../x"}]})"},
         {R"(name="a.js"; filename="a.js")", "application/javascript+module", "export default {}"}});
    CHECK(f.call("PUT", f.acct() + "/workers/scripts/evil", evil, k_mp).status == 400);
}

TEST_CASE("clients: services view, 10090 for a new worker, DELETE through services") {
    Fixture f;
    auto r = f.call("GET", f.acct() + "/workers/services/w");
    CHECK(r.status == 404);
    CHECK(body_of(r)["errors"][0]["code"] == 10090);
    CHECK(
        f.call("PUT", f.acct() + "/workers/scripts/w", "addEventListener('fetch', () => {})", "application/javascript")
            .status == 200);
    auto s = body_of(f.call("GET", f.acct() + "/workers/services/w"));
    CHECK(s["result"]["default_environment"]["environment"] == "production");
    CHECK(s["result"]["default_environment"]["script"]["tag"].get<std::string>().size() == 32);
    CHECK(f.call("DELETE", f.acct() + "/workers/services/w?force=true").status == 200);
    CHECK(f.call("GET", f.acct() + "/workers/scripts/w/settings").status == 404);
}

TEST_CASE("clients: KV bulk write, metadata, bulk get and delete; duplicate title is 400 10014") {
    Fixture f;
    auto ns = body_of(f.call("POST", f.acct() + "/storage/kv/namespaces", R"({"title":"t"})"))["result"]["id"];
    auto dup = f.call("POST", f.acct() + "/storage/kv/namespaces", R"({"title":"t"})");
    CHECK(dup.status == 400);
    CHECK(body_of(dup)["errors"][0]["code"] == 10014);
    std::string kv = f.acct() + "/storage/kv/namespaces/" + ns.get<std::string>();
    CHECK(f.call("PUT", kv + "/bulk",
                 R"([{"key":"a","value":"1","metadata":{"m":1}},{"key":"b","value":"dHdv","base64":true}])")
              .status == 200);
    CHECK(f.call("GET", kv + "/values/b").body == "two");
    CHECK(body_of(f.call("GET", kv + "/metadata/a"))["result"]["m"] == 1);
    auto got = body_of(f.call("POST", kv + "/bulk/get", R"({"keys":["a","zz"]})"));
    CHECK(got["result"]["values"]["a"] == "1");
    CHECK(got["result"]["values"]["zz"].is_null());
    CHECK(f.call("PUT", kv + "/bulk", R"([{"key":"c","value":"%%%","base64":true}])").status == 400);
    CHECK(f.call("POST", kv + "/bulk/delete", R"(["a","b"])").status == 200);
    CHECK(f.call("GET", kv + "/values/a").status == 404);
    CHECK(f.call("GET", f.acct() + "/storage/kv/namespaces?per_page=1000").status == 200);
}

TEST_CASE("clients: R2 objects with slashes in the key, stored as r2obj rows") {
    Fixture f;
    REQUIRE(f.call("POST", f.acct() + "/r2/buckets", R"({"name":"bkt"})").status == 200);
    std::string o = f.acct() + "/r2/buckets/bkt/objects/dir/sub/a.txt";
    CHECK(f.call("PUT", o, "hello", "text/plain").status == 200);
    auto g = f.call("GET", o);
    CHECK(g.status == 200);
    CHECK(g.body == "hello");
    CHECK(g.content_type == "text/plain");
    f.store->transaction(false, [&] {
        auto row = f.store->get("r2obj", f.creds.account_id + "/bkt", "dir/sub/a.txt");
        REQUIRE(row);
        CHECK(row->doc["size"] == 5);
        CHECK(row->doc["httpMetadata"]["contentType"] == "text/plain");
        CHECK(row->blob == "hello");
        return true;
    });
    CHECK(f.call("DELETE", f.acct() + "/r2/buckets/bkt").status == 409);  // not empty
    CHECK(f.call("DELETE", o).status == 200);
    CHECK(f.call("GET", o).status == 404);
    CHECK(f.call("GET", f.acct() + "/r2/buckets/nope/objects/a").status == 404);
}

TEST_CASE("clients: D1 by name, query and raw on <state_dir>/d1/<uuid>.sqlite") {
    Fixture f;
    auto uuid =
        body_of(f.call("POST", f.acct() + "/d1/database", R"({"name":"db1"})"))["result"]["uuid"].get<std::string>();
    CHECK(body_of(f.call("GET", f.acct() + "/d1/database/db1"))["result"]["uuid"] == uuid);
    auto q =
        f.call("POST", f.acct() + "/d1/database/db1/query",
               R"({"sql":"CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('x'), ('y');"})");
    REQUIRE(q.status == 200);
    CHECK(body_of(q)["result"].size() == 2);
    CHECK(std::filesystem::exists(d1_database_path(f.dir.str(), uuid)));
    auto sel = body_of(f.call("POST", f.acct() + "/d1/database/" + uuid + "/query",
                              R"({"sql":"SELECT v FROM t WHERE id = ?1","params":[2]})"));
    CHECK(sel["result"][0]["results"][0]["v"] == "y");
    auto raw = body_of(f.call("POST", f.acct() + "/d1/database/db1/raw", R"({"sql":"SELECT id, v FROM t"})"));
    CHECK(raw["result"][0]["results"]["columns"] == json::array({"id", "v"}));
    CHECK(raw["result"][0]["results"]["rows"][1] == json::array({2, "y"}));
    // A failing batch changes nothing.
    auto badq = f.call("POST", f.acct() + "/d1/database/db1/query",
                       R"({"sql":"INSERT INTO t(v) VALUES ('z'); SELECT * FROM nope"})");
    CHECK(badq.status == 400);
    CHECK(body_of(badq)["errors"][0]["code"] == 7500);
    auto n = body_of(f.call("POST", f.acct() + "/d1/database/db1/query", R"({"sql":"SELECT COUNT(*) AS n FROM t"})"));
    CHECK(n["result"][0]["results"][0]["n"] == 2);
    CHECK(body_of(f.call("GET", f.acct() + "/d1/database/db1"))["result"]["num_tables"] == 1);
    CHECK(f.call("DELETE", f.acct() + "/d1/database/db1").status == 200);
    CHECK_FALSE(std::filesystem::exists(d1_database_path(f.dir.str(), uuid)));
}

TEST_CASE("clients: the account id of a state directory is stable, --account-id pins it") {
    testing::TempDir dir{"tenantctl-acct"};
    std::string state = dir.str() + "/state";
    auto first = load_or_create_credentials(state);
    REQUIRE(first.ok());
    CHECK(first->account_id == stable_account_id(state));
    CHECK(valid_account_id(first->account_id));
    std::filesystem::remove_all(state);  // a wiped state directory comes back with the same id
    auto again = load_or_create_credentials(state);
    REQUIRE(again.ok());
    CHECK(again->account_id == first->account_id);
    CHECK(stable_account_id(dir.str() + "/other") != first->account_id);
    // Pinned: used for a new state directory, refused when the directory holds another account.
    std::string pinned_dir = dir.str() + "/pinned";
    auto pinned = load_or_create_credentials(pinned_dir, "ABCDEF0123456789ABCDEF0123456789");
    REQUIRE(pinned.ok());
    CHECK(pinned->account_id == "abcdef0123456789abcdef0123456789");
    CHECK(load_or_create_credentials(pinned_dir, "abcdef0123456789abcdef0123456789").ok());
    CHECK_FALSE(load_or_create_credentials(pinned_dir, "00000000000000000000000000000000").ok());
    CHECK_FALSE(load_or_create_credentials(dir.str() + "/x", "not-an-id").ok());
}
