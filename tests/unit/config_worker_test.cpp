// config::worker_config: the typed view of a normalized configuration, read from a real wrangler.toml.
#include <doctest/doctest.h>

#include "../support/test_fs.hpp"

#include "config/config.hpp"
#include "config/worker.hpp"

using namespace tenantctl;
using namespace tenantctl::config;
using nlohmann::json;

TEST_CASE("worker_config: entry, compatibility, every binding kind in order, containers with defaults") {
    tenantctl::testing::TempDir d("tenantctl-config-worker-test");
    d.write("src/index.ts", "export default {}\n");
    d.write("wrangler.toml", R"(name = "dispatcher"
main = "src/index.ts"
compatibility_date = "2025-01-01"
compatibility_flags = ["nodejs_compat"]

[vars]
GREETING = "hi"
LIMITS = { cpu = 50 }

[[kv_namespaces]]
binding = "ROUTES"
id = "0123456789abcdef0123456789abcdef"

[[r2_buckets]]
binding = "FILES"
bucket_name = "files"
jurisdiction = "eu"

[[d1_databases]]
binding = "DB"
database_name = "main"
database_id = "4f5ab6f2-3c1e-4f4b-9b4a-2b8f0c9d1e11"
migrations_dir = "db/migrations"

[[services]]
binding = "AUTH"
service = "auth"
entrypoint = "Auth"

[[dispatch_namespaces]]
binding = "DISPATCHER"
namespace = "customers"
outbound = { service = "egress", parameters = ["customer"] }

[[durable_objects.bindings]]
name = "APP"
class_name = "App"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["App"]

[[containers]]
class_name = "App"
image = "registry.example.com/app:1"
max_instances = 3
)");
    LoadOptions o;
    o.cwd = d.str();
    LoadedConfig cfg = load_config(o);
    REQUIRE(cfg.ok());
    WorkerConfig w = worker_config(cfg.config);
    CHECK(w.name == "dispatcher");
    CHECK(w.main == "./src/index.ts");
    CHECK(w.compatibility_date == std::optional<std::string>("2025-01-01"));
    CHECK(w.compatibility_flags == std::vector<std::string>{"nodejs_compat"});

    const Bindings& b = w.bindings;
    REQUIRE(b.vars.size() == 2);
    CHECK(b.vars[0].first == "GREETING");
    CHECK(b.vars[0].second == "hi");
    CHECK(b.vars[1].second == json{{"cpu", 50}});
    REQUIRE(b.kv_namespaces.size() == 1);
    CHECK(b.kv_namespaces[0].id == "0123456789abcdef0123456789abcdef");
    REQUIRE(b.r2_buckets.size() == 1);
    CHECK(b.r2_buckets[0].jurisdiction == std::optional<std::string>("eu"));
    REQUIRE(b.d1_databases.size() == 1);
    CHECK(b.d1_databases[0].database_name == "main");
    CHECK(b.d1_databases[0].migrations_dir == "db/migrations");
    CHECK(b.d1_databases[0].migrations_table.empty());
    REQUIRE(b.services.size() == 1);
    CHECK(b.services[0].entrypoint == std::optional<std::string>("Auth"));
    CHECK_FALSE(b.services[0].environment.has_value());
    REQUIRE(b.dispatch_namespaces.size() == 1);
    CHECK(b.dispatch_namespaces[0].ns == "customers");
    REQUIRE(b.dispatch_namespaces[0].outbound.has_value());
    CHECK(b.dispatch_namespaces[0].outbound->service == "egress");
    CHECK(b.dispatch_namespaces[0].outbound->parameters == std::vector<std::string>{"customer"});
    REQUIRE(b.durable_objects.size() == 1);
    CHECK(b.durable_objects[0].class_name == "App");

    REQUIRE(w.containers.size() == 1);
    const ContainerSpec& c = w.containers[0];
    CHECK_FALSE(c.name.empty());  // wrangler derives it from the worker and class names
    CHECK(c.class_name == "App");
    CHECK_FALSE(c.builds_image());
    CHECK(c.max_instances == 3);
    CHECK(c.instance_type == "lite");
    CHECK(c.scheduling_policy == "default");
    CHECK(c.constraints == json{{"tiers", {1, 2}}});
    CHECK_FALSE(c.rollout_full_manual);
    CHECK_FALSE(c.rollout_steps.has_value());
    CHECK_FALSE(c.logs_enabled);
    CHECK(c.unsafe.is_null());
}

TEST_CASE("worker_config: an empty or mistyped config reads as unset, never throws") {
    WorkerConfig w = worker_config(json::parse(R"({"vars":[1],"kv_namespaces":{"x":1},"containers":"no",
      "durable_objects":{"bindings":null},"compatibility_flags":[1,"a"]})"));
    CHECK(w.bindings.vars.empty());
    CHECK(w.bindings.kv_namespaces.empty());
    CHECK(w.containers.empty());
    CHECK(w.compatibility_flags == std::vector<std::string>{"a"});
    CHECK(worker_config(json()).main.empty());
    CHECK(number_json(20.0).dump() == "20");
    CHECK(number_json(0.25).dump() == "0.25");
}

TEST_CASE("worker_config: the build, assets, triggers and pass-through fields of a real wrangler.toml") {
    tenantctl::testing::TempDir d("tenantctl-config-worker-test");
    d.write("src/index.ts", "export default {}\n");
    d.write("public/index.html", "<p>hi</p>\n");
    d.write("wrangler.toml", R"(name = "site"
main = "src/index.ts"
compatibility_date = "2025-01-01"
base_dir = "src"
find_additional_modules = true
minify = true
keep_names = false
upload_source_maps = false
keep_vars = true
routes = [ "example.com/api/*", { pattern = "shop.example.com/*", zone_name = "example.com" } ]
workers_dev = false

[build]
command = "npm run build"
cwd = "web"

[[rules]]
type = "Text"
globs = ["**/*.md"]
fallthrough = true

[define]
DEBUG = "false"

[assets]
directory = "./public"
binding = "ASSETS"
html_handling = "none"
run_worker_first = ["/api/*"]

[triggers]
crons = ["*/5 * * * *"]

[limits]
cpu_ms = 50

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]
)");
    LoadOptions o;
    o.cwd = d.str();
    LoadedConfig cfg = load_config(o);
    REQUIRE(cfg.ok());
    WorkerConfig w = cfg.worker();

    const BuildConfig& b = w.build;
    CHECK(b.command == "npm run build");
    CHECK(b.cwd == "web");
    CHECK(b.base_dir == "./src");  // as normalized
    CHECK(b.find_additional_modules);
    CHECK_FALSE(b.no_bundle);
    CHECK(b.minify);
    CHECK_FALSE(b.keep_names);
    CHECK_FALSE(b.source_maps);
    REQUIRE(b.rules.size() == 1);
    CHECK(b.rules[0].type == "Text");
    CHECK(b.rules[0].globs == std::vector<std::string>{"**/*.md"});
    CHECK(b.rules[0].fallthrough == std::optional<bool>(true));
    CHECK(b.define == std::vector<std::pair<std::string, std::string>>{{"DEBUG", "false"}});

    REQUIRE(w.assets.has_value());
    CHECK(w.assets->directory == std::optional<std::string>("./public"));
    CHECK(w.assets->binding == "ASSETS");
    CHECK(w.assets->html_handling == std::optional<std::string>("none"));
    CHECK_FALSE(w.assets->not_found_handling.has_value());
    CHECK(w.assets->runs_worker_first());
    CHECK_FALSE(w.has_site);
    CHECK(w.keep_vars);

    const Triggers& t = w.triggers;
    REQUIRE(t.routes.has_value());
    REQUIRE(t.routes->size() == 2);
    CHECK(t.routes->at(0).pattern == "example.com/api/*");
    CHECK_FALSE(t.routes->at(0).zone_name.has_value());
    CHECK(t.routes->at(1).zone_name == std::optional<std::string>("example.com"));
    CHECK_FALSE(t.routes->at(1).custom_domain);
    CHECK_FALSE(t.route.has_value());
    CHECK(t.effective_routes().size() == 2);
    CHECK(t.crons == std::optional<std::vector<std::string>>(std::vector<std::string>{"*/5 * * * *"}));
    CHECK(t.workers_dev == std::optional<bool>(false));
    CHECK_FALSE(t.preview_urls.has_value());

    CHECK(w.limits == json{{"cpu_ms", 50}});
    REQUIRE(w.migrations.is_array());
    CHECK(w.migrations[0]["tag"] == "v1");
    CHECK(w.tail_consumers.is_null());
}

TEST_CASE("worker_config: one `route`; without triggers, the schedules and workers.dev are left unset") {
    WorkerConfig w = worker_config(json::parse(R"({"route":{"pattern":"a.example.com/*","zone_id":"z1",
      "custom_domain":true}})"));
    CHECK_FALSE(w.triggers.routes.has_value());
    REQUIRE(w.triggers.route.has_value());
    CHECK(w.triggers.route->zone_id == std::optional<std::string>("z1"));
    CHECK(w.triggers.route->custom_domain);
    CHECK(w.triggers.effective_routes().size() == 1);
    CHECK_FALSE(w.triggers.crons.has_value());
    CHECK_FALSE(w.triggers.workers_dev.has_value());
    CHECK_FALSE(w.assets.has_value());
    CHECK(w.build.keep_names);
    CHECK(w.build.source_maps);
}
