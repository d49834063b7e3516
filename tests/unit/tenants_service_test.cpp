// The tenants service functions (tenants/service*.hpp) against the local platform, started in-process on
// 127.0.0.1: what each verb reports, and that usage errors come before the control plane is opened.
#include <doctest/doctest.h>

#include "platform/server.hpp"
#include "platform/store.hpp"
#include "support/test_fs.hpp"
#include "tenants/service.hpp"
#include "tenants/service_apply.hpp"
#include "tenants/service_bulk.hpp"

using namespace tenantctl;
using namespace tenantctl::tenants;

namespace {

struct LocalPlatform {
    testing::TempDir dir{"tenantctl-service"};
    std::unique_ptr<platform::Store> store = std::move(platform::Store::open(":memory:").value());
    platform::Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    platform::ApiOptions opt = [this] {
        platform::ApiOptions o;
        o.state_dir = dir.str();
        return o;
    }();
    platform::Api api{*store, creds, opt};
    platform::Server server{api, [] {
                                platform::ServerOptions o;
                                o.port = 0;
                                o.threads = 2;
                                return o;
                            }()};
    std::unique_ptr<api::ApiClient> client;
    int connects = 0;
    Env env = Env::from_map({});

    LocalPlatform() {
        REQUIRE(server.start().ok());
        api::ClientOptions o;
        o.api_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/client/v4";
        o.credentials.kind = api::Credentials::Kind::Token;
        o.credentials.token = creds.api_token;
        client = std::make_unique<api::ApiClient>(o);
        REQUIRE(client->create_dispatch_namespace(creds.account_id, "prod").ok());
        dir.write("tenant.mjs", "export default { fetch() { return new Response('hi') } }\n");
    }
    ~LocalPlatform() { server.stop(); }

    Connect connect() {
        return [this]() -> Result<ApiHandle> {
            ++connects;
            return ApiHandle{client.get(), creds.account_id};
        };
    }
    TargetOptions target() const { return {"", "prod", "", dir.str()}; }
    CreateOptions create(const std::string& id, std::vector<std::string> tags = {}) const {
        CreateOptions o;
        o.target = target();
        o.id = id;
        o.script = "tenant.mjs";
        o.tags = std::move(tags);
        o.env = &env;
        o.config.cwd = dir.str();
        return o;
    }
};

// Records what a bulk verb reports.
struct Recorder : Progress {
    size_t total = 0;
    std::vector<std::string> lines;
    bool finished = false;
    void start(size_t n) override { total = n; }
    void advance(const ProgressStep& s) override { lines.push_back(s.line + (s.ok ? "" : " (failed)")); }
    void waiting(std::string_view, std::chrono::milliseconds) override {}
    void note(std::string_view line) override { lines.emplace_back(line); }
    void finish() override { finished = true; }
};

Status yes(const std::string&) {
    return {};
}

}  // namespace

TEST_CASE("tenants service: create, list, get, tag and secrets against the local platform") {
    LocalPlatform p;
    auto created = create_tenant(p.create("acme", {"beta"}), p.connect());
    REQUIRE(created.ok());
    CHECK(created->ns == "prod");
    CHECK(created->plan.empty());
    CHECK(created->created_resources.empty());
    CHECK(created->tags.front() == "beta");

    auto again = create_tenant(p.create("acme"), p.connect());
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind == ErrorKind::Conflict);

    int before = p.connects;
    auto bad = create_tenant(p.create("Bad"), p.connect());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::Usage);
    CHECK(p.connects == before);  // refused before the control plane is opened

    auto listed = list_tenants({p.target(), {}, ""}, p.connect());
    REQUIRE(listed.ok());
    REQUIRE(listed->tenants.size() == 1);
    CHECK(listed->tenants[0].id == "acme");
    CHECK(listed->tenants[0].tags == std::vector<std::string>{"beta"});
    CHECK(listed->tenants[0].managed);
    auto none = list_tenants({p.target(), {"nosuch"}, ""}, p.connect());
    REQUIRE(none.ok());
    CHECK(none->filtered);
    CHECK(none->tenants.empty());

    GetOptions go;
    go.target = p.target();
    go.id = "acme";
    go.config.cwd = p.dir.str();
    auto got = get_tenant(go, p.connect());
    REQUIRE(got.ok());
    CHECK(got->tags == std::vector<std::string>{"beta"});
    CHECK(got->managed);
    CHECK(got->digest.size() == 40);
    CHECK_FALSE(got->container);

    auto tagged = tag_tenant({p.target(), "acme", "add", {"x"}}, p.connect());
    REQUIRE(tagged.ok());
    CHECK(tagged->changed);
    CHECK(tagged->tags == std::vector<std::string>{"beta", "x"});
    auto same = tag_tenant({p.target(), "acme", "add", {"x"}}, p.connect());
    REQUIRE(same.ok());
    CHECK_FALSE(same->changed);

    SecretOptions so;
    so.target = p.target();
    so.id = "acme";
    so.name = "API_KEY";
    so.read_value = [](const std::string&) -> Result<std::string> { return std::string("s3cret-value"); };
    so.confirm = yes;
    REQUIRE(put_secret(so, p.connect()).ok());
    auto secrets = list_secrets(so, p.connect());
    REQUIRE(secrets.ok());
    REQUIRE(secrets->secrets.size() == 1);
    CHECK(secrets->secrets[0].first == "API_KEY");
    REQUIRE(delete_secret(so, p.connect()).ok());
    CHECK(list_secrets(so, p.connect())->secrets.empty());
}

TEST_CASE("tenants service: bulk secret put and delete --tag --purge report per tenant through the progress") {
    LocalPlatform p;
    for (const auto& id : {"b-1", "b-2"}) REQUIRE(create_tenant(p.create(id, {"beta"}), p.connect()).ok());
    auto with_kv = p.create("g-1");
    with_kv.isolate = {"kv"};
    auto g1 = create_tenant(with_kv, p.connect());
    REQUIRE(g1.ok());
    CHECK(g1->created_resources == std::vector<std::string>{"kv:prod-g-1"});

    Recorder progress;
    SecretOptions so;
    so.target = p.target();
    so.name = "K";
    so.tags = {"beta"};
    so.bulk.progress = &progress;
    so.read_value = [](const std::string&) -> Result<std::string> { return std::string("v"); };
    auto put = put_secret(so, p.connect());
    REQUIRE(put.ok());
    REQUIRE(put->bulk);
    CHECK(put->bulk->done == 2);
    CHECK(put->bulk->failed == 0);
    CHECK(progress.total == 2);
    CHECK(progress.finished);
    std::sort(progress.lines.begin(), progress.lines.end());
    CHECK(progress.lines == std::vector<std::string>{"b-1: set K", "b-2: set K"});

    DeleteOptions d;
    d.target = p.target();
    d.tags = {"beta"};
    d.purge = true;
    d.confirm = yes;
    size_t planned = 0;
    auto del = delete_tenants(d, p.connect(), [&](const DeleteReport& r) { planned = r.plan.size(); });
    REQUIRE(del.ok());
    CHECK(planned == 2);
    REQUIRE(del->bulk);
    CHECK(del->bulk->done == 2);

    DeleteOptions one;
    one.target = p.target();
    one.id = "g-1";
    one.purge = true;
    one.confirm = yes;
    auto gone = delete_tenants(one, p.connect());
    REQUIRE(gone.ok());
    CHECK(gone->purged == std::vector<std::string>{"kv:prod-g-1"});
    CHECK(list_tenants({p.target(), {}, ""}, p.connect())->tenants.empty());

    RestartOptions ro;
    ro.target = p.target();
    ro.id = "b-1";
    ro.config.cwd = p.dir.str();
    auto restart = restart_tenants(ro, p.connect());
    REQUIRE_FALSE(restart.ok());
    CHECK(restart.error().message == "no container application was given");
}

TEST_CASE("tenants service: apply plans then applies, a rerun is unchanged, rollback lists and undoes it") {
    LocalPlatform p;
    p.dir.write("tenants.yaml", "namespace: prod\nscript: ./tenant.mjs\ntenants:\n  - id: a-1\n  - id: a-2\n");
    ApplyCommandOptions o;
    o.file = "tenants.yaml";
    o.cwd = p.dir.str();
    o.env = &p.env;
    auto plan = plan_apply(o, p.connect());
    REQUIRE(plan.ok());
    CHECK((*plan)->n_create == 2);
    CHECK((*plan)->work() == 2);
    Recorder progress;
    ApplyRunOptions ro;
    ro.records_dir = p.dir.str() + "/applies";
    ro.progress = &progress;
    ro.confirm = yes;
    auto applied = run_apply(**plan, ro, p.connect());
    REQUIRE(applied.ok());
    CHECK(applied->created == 2);
    CHECK(applied->failed == 0);
    CHECK(applied->changed == std::vector<std::string>{"a-1", "a-2"});
    CHECK_FALSE(applied->apply_id.empty());
    CHECK(progress.lines.size() == 2);

    auto replan = plan_apply(o, p.connect());
    REQUIRE(replan.ok());
    CHECK((*replan)->n_same == 2);
    CHECK((*replan)->work() == 0);

    RollbackOptions rb;
    rb.target = p.target();
    rb.records_dir = ro.records_dir;
    rb.confirm = yes;
    auto records = list_applies(rb, p.connect());
    REQUIRE(records.ok());
    REQUIRE(records->records.size() == 1);
    CHECK(changed_count(records->records[0].record) == 2);
    auto undone = rollback_apply(rb, p.connect());
    REQUIRE(undone.ok());
    CHECK(undone->ok == 2);
    CHECK(undone->expected == 2);
    CHECK(list_tenants({p.target(), {}, ""}, p.connect())->tenants.empty());
}
