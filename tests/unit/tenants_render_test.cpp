// The tenants reports as the CLI shows them (cli/render/tenants*.cpp): --json documents compared exactly, the
// text for people, and the one error shape of a partly failed bulk verb or apply.
#include <doctest/doctest.h>

#include "render/tenants.hpp"

using namespace tenantctl;
using namespace tenantctl::cli;
using nlohmann::json;
namespace tn = tenantctl::tenants;

namespace {

tn::BulkItem item(const std::string& id, bool started, bool ok, const std::string& detail, const std::string& error) {
    tn::BulkItem it;
    it.id = id;
    it.started = started;
    it.ok = ok;
    it.detail = detail;
    it.error = error;
    return it;
}

}  // namespace

TEST_CASE("render: create, list, tag and secret documents") {
    tn::CreateReport c{
        "prod", "acme", "pro", {"beta", "tenantctl"}, json{{"cpu_ms", 50}}, {"kv:prod-acme"}, {{"kv", "prod-acme"}}};
    auto r = render_create(c);
    CHECK(r.doc == json::parse(R"({"namespace":"prod","id":"acme","ok":true,"plan":"pro",
        "tags":["beta","tenantctl"],"limits":{"cpu_ms":50},"created_resources":["kv:prod-acme"],
        "resources":{"kv":"prod-acme"}})"));
    CHECK(r.human == "Created tenant acme in dispatch namespace prod (plan pro); created kv:prod-acme\n");
    CHECK_FALSE(r.error);

    tn::ListReport l{"prod", true, {{"acme", "pro", {"beta"}, true, "2026-01-01T00:00:00Z"}}};
    CHECK(render_list(l).doc == json::parse(R"([{"id":"acme","plan":"pro","tags":["beta"],"managed":true,
        "modified_on":"2026-01-01T00:00:00Z"}])"));
    CHECK(render_list({"prod", true, {}}).human == "No tenants in dispatch namespace prod match the filter\n");

    auto t = render_tag({"prod", "acme", false, {}});
    CHECK(t.doc == json::parse(R"({"namespace":"prod","id":"acme","ok":true,"changed":false,"tags":[]})"));
    CHECK(t.human == "Tags of tenant acme unchanged: -\n");

    tn::SecretReport s;
    s.ns = "prod";
    s.id = "acme";
    s.secrets = {{"API_KEY", "secret_text"}};
    CHECK(render_secret_list(s).doc ==
          json::parse(R"({"namespace":"prod","id":"acme","secrets":[{"name":"API_KEY","type":"secret_text"}]})"));
    s.name = "API_KEY";
    CHECK(render_secret_delete(s).doc ==
          json::parse(R"({"namespace":"prod","id":"acme","ok":true,"deleted":"API_KEY"})"));
}

TEST_CASE("render: get shows the container and the bindings") {
    tn::GetReport g;
    g.ns = "prod";
    g.id = "acme";
    g.plan = "pro";
    g.tags = {"beta"};
    g.managed = true;
    g.bindings = json::parse(R"([{"name":"THEME","type":"plain_text","text":"dark"}])");
    g.secrets = {"API_KEY"};
    g.container = tn::TenantContainer{"app", "", "not running"};
    auto r = render_get(g);
    CHECK(r.doc == json::parse(R"({"namespace":"prod","id":"acme","plan":"pro","tags":["beta"],"managed":true,
        "digest":"","limits":{},"bindings":[{"name":"THEME","type":"plain_text","text":"dark"}],"resources":{},
        "secrets":["API_KEY"],"script":{"etag":"","modified_on":"","compatibility_date":""},
        "container":{"application":"app","state":"not running"}})"));
    CHECK(r.human.find("not running (app)") != std::string::npos);
    CHECK(r.human.find("THEME") != std::string::npos);
}

TEST_CASE("render: a bulk verb that partly failed keeps its document and carries the error") {
    tn::BulkReport b;
    b.verb = "set";
    b.items = {item("b-1", true, true, "set K", ""), item("b-2", true, false, "", "injected fault"),
               item("b-3", false, false, "", "")};
    b.done = 1;
    b.failed = 1;
    b.skipped = 1;
    auto r = render_bulk({{"namespace", "prod"}, {"tags", {"beta"}}, {"name", "K"}}, b);
    CHECK(r.doc == json::parse(R"({"namespace":"prod","tags":["beta"],"name":"K","ok":false,
        "results":[{"id":"b-1","status":"ok","detail":"set K"},{"id":"b-2","status":"failed","error":"injected fault"},
                   {"id":"b-3","status":"skipped"}],
        "done":1,"failed":1,"skipped":1,
        "error":{"kind":"partial","message":"1 of 3 tenant(s) failed, 1 not started",
                 "hint":"the lines above say why; run the same command again to retry"}})"));
    CHECK(r.human == "1 of 3 tenant(s) set, 1 failed, 1 not started\n");
    REQUIRE(r.error);
    CHECK(r.error->kind == ErrorKind::Partial);

    b.items.pop_back();
    b.skipped = 0;
    b.failed = 0;
    b.items[1] = item("b-2", true, true, "set K", "");
    b.done = 2;
    auto ok = render_bulk({{"namespace", "prod"}}, b);
    CHECK_FALSE(ok.error);
    CHECK(ok.doc["ok"] == true);
    CHECK_FALSE(ok.doc.contains("error"));
}

TEST_CASE("render: restart, delete and the purge plan") {
    tn::RestartReport r;
    r.id = "t";
    r.application = "app";
    r.application_id = "a1";
    auto none = render_restart(r);
    CHECK(none.doc ==
          json::parse(R"({"id":"t","application":"app","application_id":"a1","ok":true,"restarted":false})"));
    tn::DeleteReport d;
    d.ns = "prod";
    d.tags = {"beta"};
    d.plan = {{"b-1", {"kv:prod-b-1"}}, {"b-2", {}}};
    d.plan_resources = 1;
    CHECK(render_purge_plan(d) ==
          "Plan for dispatch namespace prod: delete 2 tenant(s) tagged beta and 1 isolated resource(s)\n"
          "  - delete b-1 and kv:prod-b-1\n  - delete b-2\n");
    d.plan.clear();
    d.deleted = {"b-1", "b-2"};
    CHECK(render_delete(d).doc == json::parse(R"({"namespace":"prod","ok":true,"tags":["beta"],
        "deleted":["b-1","b-2"],"deleted_count":2})"));
}

TEST_CASE("render: d1 migrate names the failed databases on stderr; a file that does not parse is the error") {
    tn::D1MigrateCommandReport r;
    r.ns = "prod";
    r.report.migrations = {"0001_a.sql"};
    tn::D1MigrateItem ok{"t-1", "prod-t-1", tn::ItemResult::Status::Ok, {"0001_a.sql"}, 0, "", ""};
    tn::D1MigrateItem bad{"t-2", "prod-t-2", tn::ItemResult::Status::Failed, {}, 0, "m/0001_a.sql:1:1", "boom"};
    r.report.items = {ok, bad};
    r.done = 1;
    r.failed = 1;
    auto out = render_d1_migrate(r);
    REQUIRE(out.error);
    CHECK(out.error->message == "1 of 2 tenant database(s) failed");
    CHECK(out.details == std::vector<std::string>{"  t-2: boom"});
    CHECK(out.doc["error"]["kind"] == "partial");
    CHECK(out.doc["results"][1] == json::parse(R"({"id":"t-2","database":"prod-t-2","status":"failed","applied":[],
        "already_applied":0,"failed_at":"m/0001_a.sql:1:1","error":"boom"})"));
    r.report.file_error = Error(ErrorKind::Input, "m/0002_b.sql:3:1: syntax error");
    auto file = render_d1_migrate(r);
    CHECK(file.doc == json::parse(R"({"ok":false,"error":{"kind":"input","message":"m/0002_b.sql:3:1: syntax error",
        "hint":"the file does not parse, so no database applied it (nor later files); fix it and run again"}})"));
    CHECK(file.notes == std::vector<std::string>{"1 of 2 tenant database(s) migrated, 1 failed"});
}

TEST_CASE("render: apply's partial failure and rollback") {
    tn::ApplyPlan p;
    p.file.ns = "prod";
    p.file.display_path = "tenants.yaml";
    p.source.description = "script ./t.mjs";
    tn::PlanItem a, b;
    a.action = b.action = tn::Action::Create;
    a.id = "a";
    b.id = "b";
    p.plan = {a, b};
    p.full_plan = p.plan;
    p.n_create = 2;
    CHECK(render_apply_plan(p, 0) ==
          "Plan for dispatch namespace prod (script ./t.mjs): 2 to create, 0 to update, 0 to delete, 0 unchanged\n"
          "  + create a\n  + create b\n");
    tn::ApplyReport r;
    tn::ItemResult ra, rb;
    ra.id = "a";
    ra.action = rb.action = tn::Action::Create;
    ra.writes = 1;
    rb.id = "b";
    rb.status = tn::ItemResult::Status::Failed;
    rb.error = "injected fault";
    r.results = {ra, rb};
    r.created = 1;
    r.failed = 1;
    r.changed = {"a"};
    auto out = render_apply(p, r);
    CHECK(out.doc == json::parse(R"({"namespace":"prod","file":"tenants.yaml","dry_run":false,
        "plan":[{"id":"a","action":"create","changes":[]},{"id":"b","action":"create","changes":[]}],
        "changed":["a"],"stopped":"done",
        "results":[{"id":"a","action":"create","status":"ok","writes":1},
                   {"id":"b","action":"create","status":"failed","writes":0,"error":"injected fault"}],
        "created":1,"updated":0,"deleted":0,"unchanged":0,"failed":1,"skipped":0,"interrupted":false,"ok":false,
        "error":{"kind":"partial","message":"1 of 2 tenant change(s) failed",
                 "hint":"the results above say why; rerun `tenants apply` to retry only what is still different"}})"));
    CHECK(out.human == "Applied: 1 created, 0 updated, 0 deleted, 0 unchanged, 1 failed\nChanged: a\n");

    tn::RollbackReport rr;
    rr.ns = "prod";
    rr.apply_id = "x";
    rr.items = {{"a", "delete", true, ""}};
    rr.ok = 1;
    rr.expected = 1;
    auto rolled = render_rollback(rr);
    CHECK_FALSE(rolled.error);
    CHECK(rolled.doc == json::parse(R"({"namespace":"prod","apply_id":"x","ok":true,
        "items":[{"id":"a","action":"delete","ok":true}]})"));
}
