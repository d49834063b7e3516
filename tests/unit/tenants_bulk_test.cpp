// Bulk work by tag (tenants/bulk.hpp): the tagged list is filtered by the server and checked again here, and the
// runner does every id once, in order, with bounded concurrency.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "support/test_http_server.hpp"
#include "tenants/bulk.hpp"

using namespace tenantctl;
using namespace tenantctl::tenants;
using tenantctl::testing::ScriptedResponse;
using tenantctl::testing::TestHttpServer;

TEST_CASE("bulk: the tenants with every tag, sorted; the server's filter is checked again") {
    TestHttpServer s;
    // A server that ignores the filter: "c" lacks the tag and must not be acted on.
    s.on("GET", "/accounts/acc/workers/dispatch/namespaces/ns/scripts",
         {ScriptedResponse::envelope(R"([{"id":"b","tags":["beta","x"]},{"id":"c","tags":["x"]},)"
                                     R"({"script":{"id":"a","tags":["beta"]}}])")});
    api::ClientOptions o;
    o.api_url = s.url();
    o.credentials.kind = api::Credentials::Kind::Token;
    o.credentials.token = "test-token-0123456789";
    api::ApiClient client(o);
    auto r = tenants_tagged(client, "acc", "ns", {"beta"});
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].id == "a");
    CHECK((*r)[1].id == "b");
    REQUIRE(s.requests().size() == 1);
    CHECK(s.requests()[0].target.find("tags=beta%3Ayes") != std::string::npos);
    auto bad = tenants_tagged(client, "acc", "ns", {"a,b"});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::Usage);
    CHECK(s.requests().size() == 1);  // refused before sending
}

TEST_CASE("bulk: every id once, failures reported per id, at most `concurrency` at once") {
    std::vector<std::string> ids;
    for (int i = 0; i < 40; ++i) ids.push_back("t-" + std::to_string(i));
    std::atomic<int> running{0}, peak{0};
    std::mutex m;
    std::multiset<std::string> seen;
    BulkOptions o;
    o.concurrency = 4;
    size_t last_done = 0;
    o.on_done = [&](const BulkItem&, size_t done, size_t) { last_done = done; };
    auto items = for_each_tenant(
        ids,
        [&](const std::string& id, std::string& detail) -> Status {
            int now = ++running;
            int p = peak.load();
            while (now > p && !peak.compare_exchange_weak(p, now)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            {
                std::lock_guard lock(m);
                seen.insert(id);
            }
            --running;
            detail = "did " + id;
            if (id == "t-7") return Error(ErrorKind::Api, "broken");
            return {};
        },
        o);
    REQUIRE(items.size() == 40);
    CHECK(seen.size() == 40);
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 40);
    CHECK(peak.load() <= 4);
    CHECK(last_done == 40);
    CHECK(items[7].id == "t-7");
    CHECK_FALSE(items[7].ok);
    CHECK(items[7].error == "broken");
    CHECK(items[8].ok);
    CHECK(items[8].detail == "did t-8");
}
