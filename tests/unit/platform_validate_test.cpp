// Unit tests for upload-time validation: the verdict cache key (platform/validate.hpp), the Api asking its
// validator before the store is locked and storing nothing it refuses, service bindings to missing workers
// (10143), and the cleaning of workerd's start-up errors (runtime/validate.hpp).
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "platform/api.hpp"
#include "platform/store.hpp"
#include "platform/validate.hpp"
#include "runtime/validate.hpp"

using namespace tenantctl;
using namespace tenantctl::platform;
using nlohmann::json;

namespace {

// A validator that refuses code containing "BAD", and notes each check made while the store was locked:
// another thread asks for a read transaction and waits up to 2 s for it.
struct LockProbeValidator final : ScriptValidator {
    Store* store = nullptr;
    std::vector<ScriptCheck> checks;
    int in_transaction = 0;
    std::vector<std::future<void>> probes;

    CheckVerdict check(const ScriptCheck& s) override {
        checks.push_back(s);
        auto f = std::async(std::launch::async, [this] { store->transaction(false, [] { return false; }); });
        if (f.wait_for(std::chrono::seconds(2)) != std::future_status::ready) ++in_transaction;
        probes.push_back(std::move(f));
        for (auto& m : s.modules)
            if (m.body.find("BAD") != std::string::npos)
                return CheckVerdict::refused("Uncaught SyntaxError: BAD at a.js:1:1");
        return {};
    }
};

struct Fixture {
    std::unique_ptr<Store> store = std::move(Store::open(":memory:").value());
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    std::shared_ptr<LockProbeValidator> validator = std::make_shared<LockProbeValidator>();
    Api api{*store, creds, ApiOptions{}};
    Fixture() {
        validator->store = store.get();
        api.set_validator(validator);
    }
    HttpResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                      const std::string& ct = "application/json") {
        HttpRequest r;
        r.method = method;
        r.target = "/client/v4/accounts/" + creds.account_id + path;
        r.headers["authorization"] = "Bearer " + creds.api_token;
        if (!body.empty()) r.headers["content-type"] = ct;
        r.body = body;
        return api.handle(r);
    }
};

const char* k_ct = "multipart/form-data; boundary=b";

std::string upload(const std::string& code, const std::string& meta_extra = {}) {
    return "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n"
           "{\"main_module\":\"a.js\",\"compatibility_date\":\"2025-01-01\"" +
           meta_extra +
           "}\r\n--b\r\nContent-Disposition: form-data; name=\"a.js\"; filename=\"a.js\"\r\n"
           "Content-Type: application/javascript+module\r\n\r\n" +
           code + "\r\n--b--\r\n";
}

int code_of(const HttpResponse& r) {
    return json::parse(r.body)["errors"][0]["code"].get<int>();
}

ScriptCheck sample() {
    ScriptCheck s;
    s.script = "shop";
    s.main = "a.js";
    s.modules.push_back({"a.js", "a.js", "application/javascript+module", "export default {}"});
    s.compatibility_date = "2025-01-01";
    s.compatibility_flags = {"nodejs_compat"};
    s.bindings = json::array({{{"type", "kv_namespace"}, {"name", "KV"}, {"namespace_id", "aaa"}},
                              {{"type", "secret_text"}, {"name", "KEY"}, {"text", "one"}}});
    return s;
}

}  // namespace

TEST_CASE("validate: the cache key follows the code, entry, compatibility and binding shapes only") {
    const std::string k = check_key(sample());
    CHECK(k.size() == 64);
    CHECK(check_key(sample()) == k);
    auto with = [&](auto change) {
        ScriptCheck s = sample();
        change(s);
        return check_key(s);
    };
    // What the verdict does not depend on: the script's name, ids and values of bindings, a Content-Type's
    // parameters.
    CHECK(with([](ScriptCheck& s) { s.script = "other"; }) == k);
    CHECK(with([](ScriptCheck& s) { s.ns = "customers"; }) == k);
    CHECK(with([](ScriptCheck& s) { s.bindings[0]["namespace_id"] = "bbb"; }) == k);
    CHECK(with([](ScriptCheck& s) { s.bindings[1]["text"] = "two"; }) == k);
    CHECK(with([](ScriptCheck& s) { s.modules[0].content_type += "; charset=utf-8"; }) == k);
    // What it does.
    CHECK(with([](ScriptCheck& s) { s.modules[0].body += " "; }) != k);
    CHECK(with([](ScriptCheck& s) { s.modules[0].name = "b.js"; }) != k);
    CHECK(with([](ScriptCheck& s) { s.modules[0].content_type = "application/javascript"; }) != k);
    CHECK(with([](ScriptCheck& s) { s.main = "b.js"; }) != k);
    CHECK(with([](ScriptCheck& s) { s.has_modules = false; }) != k);
    CHECK(with([](ScriptCheck& s) { s.compatibility_date = "2025-01-02"; }) != k);
    CHECK(with([](ScriptCheck& s) { s.compatibility_flags.clear(); }) != k);
    CHECK(with([](ScriptCheck& s) { s.bindings[0]["name"] = "KV2"; }) != k);
    CHECK(with([](ScriptCheck& s) { s.bindings[0]["type"] = "r2_bucket"; }) != k);
    CHECK(with([](ScriptCheck& s) { s.bindings.erase(1); }) != k);
    // Fields are length-prefixed: moving a character from one field to the next is another key.
    CHECK(with([](ScriptCheck& s) {
              s.compatibility_flags = {"ab", "c"};
          }) != with([](ScriptCheck& s) {
              s.compatibility_flags = {"a", "bc"};
          }));
}

TEST_CASE("validate: the Api checks an upload before locking the store and stores nothing it refuses") {
    Fixture f;
    auto r = f.call("PUT", "/workers/scripts/shop", upload("export default {}"), k_ct);
    CHECK(r.status == 200);
    REQUIRE(f.validator->checks.size() == 1);
    CHECK(f.validator->checks[0].script == "shop");
    CHECK(f.validator->checks[0].main == "a.js");
    CHECK(f.validator->checks[0].compatibility_date == "2025-01-01");
    const std::string etag = json::parse(r.body)["result"]["etag"];

    r = f.call("PUT", "/workers/scripts/shop", upload("BAD"), k_ct);
    CHECK(r.status == 400);
    CHECK(code_of(r) == 10021);
    CHECK(json::parse(r.body)["errors"][0]["message"] == "Uncaught SyntaxError: BAD at a.js:1:1");
    // The previous upload is what the store holds: same etag, one version.
    r = f.call("GET", "/workers/scripts/shop/settings");
    CHECK(r.status == 200);
    r = f.call("GET", "/workers/scripts");
    CHECK(json::parse(r.body)["result"][0]["etag"] == etag);
    r = f.call("GET", "/workers/scripts/shop/versions");
    CHECK(json::parse(r.body)["result"]["items"].size() == 1);

    // A new script refused is not created; versions and namespace scripts are checked too.
    r = f.call("PUT", "/workers/scripts/fresh", upload("BAD"), k_ct);
    CHECK(r.status == 400);
    CHECK(f.call("GET", "/workers/scripts/fresh/settings").status == 404);
    r = f.call("POST", "/workers/scripts/shop/versions", upload("BAD"), k_ct);
    CHECK(r.status == 400);
    CHECK(code_of(r) == 10021);
    CHECK(f.call("POST", "/workers/dispatch/namespaces", R"({"name":"customers"})").status == 200);
    r = f.call("PUT", "/workers/dispatch/namespaces/customers/scripts/t1", upload("BAD"), k_ct);
    CHECK(r.status == 400);
    CHECK(f.validator->checks.back().ns == "customers");
    CHECK(f.call("GET", "/workers/dispatch/namespaces/customers/scripts/t1").status == 404);
    // A content PUT is checked with the script's stored settings.
    r = f.call("PUT", "/workers/scripts/shop/content", upload("BAD"), k_ct);
    CHECK(r.status == 400);
    CHECK(f.validator->checks.back().compatibility_date == "2025-01-01");
    CHECK(f.validator->in_transaction == 0);
}

TEST_CASE("validate: a service binding to a worker that does not exist is refused with 10143") {
    Fixture f;
    const std::string svc = R"(,"bindings":[{"type":"service","name":"AUTH","service":"auth"}])";
    auto r = f.call("PUT", "/workers/scripts/caller", upload("export default {}", svc), k_ct);
    CHECK(r.status == 400);
    CHECK(code_of(r) == 10143);
    CHECK(json::parse(r.body)["errors"][0]["message"].get<std::string>().find(
              "Service binding 'AUTH' references Worker 'auth' which was not found") == 0);
    CHECK(f.call("GET", "/workers/scripts/caller/settings").status == 404);
    // A worker may name itself; once the target exists, the binding is taken.
    CHECK(f.call("PUT", "/workers/scripts/auth",
                 upload("export default {}", R"(,"bindings":[{"type":"service","name":"SELF","service":"auth"}])"),
                 k_ct)
              .status == 200);
    CHECK(f.call("PUT", "/workers/scripts/caller", upload("export default {}", svc), k_ct).status == 200);
    CHECK(f.call("POST", "/workers/dispatch/namespaces", R"({"name":"customers"})").status == 200);
    CHECK(f.call("PUT", "/workers/dispatch/namespaces/customers/scripts/t1", upload("export default {}", svc), k_ct)
              .status == 200);
    const std::string ghost = R"(,"bindings":[{"type":"service","name":"G","service":"ghost"}])";
    r = f.call("PUT", "/workers/dispatch/namespaces/customers/scripts/t2", upload("export default {}", ghost), k_ct);
    CHECK(code_of(r) == 10143);
}

TEST_CASE("validate: workerd's start-up errors as production words them") {
    using runtime::clean_startup_error;
    Redactor none, secret;
    secret.add("s3cret-value");
    // A syntax error: the location on its line.
    CHECK(clean_startup_error("service w:shop: Uncaught SyntaxError: Unexpected identifier 'x'\n  at index.js:3:2\n",
                              "w:shop", "index.js",
                              none) == "Uncaught SyntaxError: Unexpected identifier 'x' at index.js:3:2");
    // An exception: its stack below it.
    CHECK(clean_startup_error("service w:shop: Uncaught Error: boom\n  at index.js:2:7\n  at lib.js:9:1\nother\n",
                              "w:shop", "index.js",
                              none) == "Uncaught Error: boom\n  at index.js:2:7\n  at lib.js:9:1");
    // A service worker's location names the service: it is named after its script.
    CHECK(clean_startup_error("service w:shop: Uncaught ReferenceError: KV is not defined\n  at w:shop:1:11\n",
                              "w:shop", "worker.js",
                              none) == "Uncaught ReferenceError: KV is not defined\n  at worker.js:1:11");
    // workerd's internal prefixes go; secrets and paths are replaced.
    CHECK(clean_startup_error("workerd/server/server.c++:4321: error: bad thing in /st/runtime/validate/9-1/x "
                              "with s3cret-value\n",
                              "w:shop", "index.js", secret,
                              {{"/st/runtime/validate/9-1/", ""}, {"/st", "<state dir>"}}) ==
          "bad thing in x with [REDACTED]");
    CHECK(clean_startup_error("service w:shop: Uncaught Error: key=s3cret-value\n  at index.js:1:7\n", "w:shop",
                              "index.js", secret) == "Uncaught Error: key=[REDACTED]\n  at index.js:1:7");
    // Another service's failure (a binding's), and nothing at all.
    CHECK(clean_startup_error("{\"event\":\"x\"}\nservice other: Uncaught Error: no\n", "w:shop", "index.js", none) ==
          "Uncaught Error: no");
    CHECK(clean_startup_error("", "w:shop", "index.js", none) == "the worker did not start (workerd gave no reason)");
}
