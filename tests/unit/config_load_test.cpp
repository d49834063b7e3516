// config: discovery, environments, normalization and validation diagnostics (exact rendered text).
#include <doctest/doctest.h>

#include "../support/test_fs.hpp"

#include <filesystem>
#include <fstream>

#include "config/config.hpp"
#include "core/env.hpp"
#include "core/strings.hpp"

using namespace tenantctl;
using namespace tenantctl::config;
namespace fs = std::filesystem;

namespace {

struct TempDir : tenantctl::testing::TempDir {
    TempDir() : tenantctl::testing::TempDir("tenantctl-config-test") {}
};

LoadedConfig load_in(const TempDir& d, std::optional<std::string> env = std::nullopt, std::string config = {}) {
    LoadOptions o;
    o.cwd = d.str();
    o.env = std::move(env);
    o.config_path = std::move(config);
    return load_config(o);
}

// All diagnostics rendered as the CLI prints them (source line and caret included).
std::string rendered(const LoadedConfig& c, const std::vector<Diagnostic>& ds) {
    return render_diagnostics(ds, c.source());
}

int count_not_inherited(const LoadedConfig& c) {
    int n = 0;
    for (const auto& w : c.warnings)
        for (size_t p = w.message.find("not inherited"); p != std::string::npos;
             p = w.message.find("not inherited", p + 1))
            ++n;
    return n;
}

}  // namespace

TEST_CASE("config: discovery prefers the nearest directory, then json > jsonc > toml") {
    TempDir d;
    d.write("wrangler.json", R"({"name": "parent"})");
    d.write("child/wrangler.toml", "name = \"child\"\n");
    d.write("child/deeper/.keep", "");
    // wrangler 4.164 would pick the parent's wrangler.json here (issue #15663); tenantctl takes the nearest.
    CHECK(find_config((d.path / "child" / "deeper").string()) == (d.path / "child" / "wrangler.toml").string());
    CHECK(find_config(d.str()) == (d.path / "wrangler.json").string());

    d.write("same/wrangler.toml", "name = \"t\"\n");
    d.write("same/wrangler.jsonc", R"({"name": "jc"})");
    CHECK(find_config((d.path / "same").string()) == (d.path / "same" / "wrangler.jsonc").string());
    d.write("same/wrangler.json", R"({"name": "j"})");
    CHECK(find_config((d.path / "same").string()) == (d.path / "same" / "wrangler.json").string());

    TempDir empty;
    LoadOptions o;
    o.cwd = (d.path / "child" / "deeper").string();
    auto c = load_config(o);
    CHECK(c.ok());
    CHECK(c.name() == "child");
    CHECK(c.display_path == "../wrangler.toml");
}

TEST_CASE("config: --config is used verbatim; other extensions read as empty; missing file is an error") {
    TempDir d;
    d.write("wrangler.toml", "name = \"decoy\"\n");
    d.write("tenant.toml", "name = \"custom\"\n");
    d.write("settings.txt", "name = \"never\"\n");
    CHECK(load_in(d, std::nullopt, "tenant.toml").name() == "custom");
    auto other = load_in(d, std::nullopt, "settings.txt");
    CHECK(other.ok());
    CHECK_FALSE(other.config.contains("name"));
    CHECK(other.config["configPath"] == "./settings.txt");
    auto missing = load_in(d, std::nullopt, "missing.toml");
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.config.is_null());
    CHECK(missing.errors[0].message == "Could not read file: missing.toml (No such file or directory)");
}

TEST_CASE("config: a UTF-8 BOM is ignored, a UTF-16 BOM is a clear error") {
    TempDir d;
    d.write("wrangler.toml", "\xEF\xBB\xBFname = \"bom\"\n");
    CHECK(load_in(d).name() == "bom");
    TempDir u;
    u.write("wrangler.json", std::string("\xFE\xFF\0{", 4));
    auto c = load_in(u);
    REQUIRE(c.errors.size() == 1);
    CHECK(rendered(c, c.errors) ==
          "wrangler.json:1:1: error: Configuration file contains UTF-16 BE byte order marker\n"
          "  hint: tenantctl (like wrangler) reads configuration files as UTF-8; save it as UTF-8\n");
}

TEST_CASE("config: environments inherit inheritable fields, not bindings") {
    TempDir d;
    d.write("src/index.js", "export default {}\n");
    d.write("wrangler.toml",
            "name = \"app\"\n"
            "main = \"src/index.js\"\n"
            "compatibility_date = \"2025-06-01\"\n"
            "routes = [\"app.example.com/*\"]\n"
            "[vars]\n"
            "A = \"top-a\"\n"
            "B = \"top-b\"\n"
            "[[kv_namespaces]]\n"
            "binding = \"KV\"\n"
            "id = \"k\"\n"
            "[env.staging]\n"
            "[env.staging.vars]\n"
            "A = \"stg\"\n"
            "[env.prod]\n"
            "name = \"app-production\"\n");
    auto top = load_in(d);
    REQUIRE(top.ok());
    CHECK(top.config["name"] == "app");
    CHECK(top.config["main"] == "./src/index.js");
    CHECK(top.main_path() == (d.path / "src" / "index.js").string());
    CHECK(top.config["definedEnvironments"] == nlohmann::json::array({"staging", "prod"}));
    CHECK_FALSE(top.config.contains("targetEnvironment"));

    auto stg = load_in(d, "staging");
    REQUIRE(stg.ok());
    CHECK(stg.config["name"] == "app-staging");
    CHECK(stg.config["topLevelName"] == "app");
    CHECK(stg.config["targetEnvironment"] == "staging");
    CHECK(stg.config["compatibility_date"] == "2025-06-01");
    CHECK(stg.config["routes"] == nlohmann::json::array({"app.example.com/*"}));
    CHECK(stg.config["vars"] == nlohmann::json{{"A", "stg"}});
    CHECK(stg.config["kv_namespaces"] == nlohmann::json::array());
    CHECK(count_not_inherited(stg) == 2);  // the per-var form for B, and kv_namespaces
    CHECK(rendered(stg, stg.warnings) ==
          "wrangler.toml:11:6: warning: \"kv_namespaces\" exists at the top level, but not on \"env.staging\".\n"
          "This is not what you probably want, since \"kv_namespaces\" is not inherited by environments.\n"
          "Please add \"kv_namespaces\" to \"env.staging\".\n"
          "  11 | [env.staging]\n"
          "     |      ^\n"
          "wrangler.toml:12:1: warning: The following vars exist at the top level, but not on \"env.staging.vars\".\n"
          "This is probably not what you want, since \"vars\" configuration is not inherited by environments.\n"
          "Please add these vars to \"env.staging.vars\":\n"
          "- B\n"
          "  12 | [env.staging.vars]\n"
          "     | ^\n");

    auto prod = load_in(d, "prod");
    CHECK(prod.config["name"] == "app-production");
    CHECK(count_not_inherited(prod) == 2);

    auto explicit_top = load_in(d, "");
    CHECK(explicit_top.config["name"] == "app");
    CHECK(explicit_top.config["targetEnvironment"] == "");

    auto unknown = load_in(d, "prdo");
    REQUIRE(unknown.errors.size() == 1);
    CHECK(unknown.errors[0].hint == "did you mean --env prod?");
    CHECK(unknown.config.is_null());

    // CLOUDFLARE_ENV selects the environment when --env is not given.
    Env env = Env::from_map({{"CLOUDFLARE_ENV", "staging"}});
    LoadOptions o;
    o.cwd = d.str();
    o.environment = &env;
    CHECK(load_config(o).name() == "app-staging");
}

TEST_CASE("config: an unknown env without any [env] section is a warning and suffixes the name") {
    TempDir d;
    d.write("wrangler.toml", "name = \"plain\"\n[vars]\nL = \"top\"\n");
    auto c = load_in(d, "preview");
    REQUIRE(c.ok());
    CHECK(c.config["name"] == "plain-preview");
    CHECK(c.config["vars"]["L"] == "top");
    REQUIRE(c.warnings.size() == 1);
    CHECK(starts_with(c.warnings[0].message, "No environment found in configuration with name \"preview\"."));
}

TEST_CASE("config: only the selected environment is validated") {
    TempDir d;
    d.write("wrangler.toml", "name = \"sel\"\n[env.good]\n[env.broken]\nname = \"NOT VALID\"\n");
    CHECK(load_in(d, "good").ok());
    CHECK_FALSE(load_in(d, "broken").ok());
}

TEST_CASE("config: every problem of a TOML file in one run, rendered with positions") {
    TempDir d;
    d.write("wrangler.toml",
            "name = \"Bad Name\"\n"
            "compatibility_date = \"2025-13-01\"\n"
            "workers_dev = \"yes\"\n"
            "compatibilty_flags = [\"nodejs_compat\"]\n"
            "[[containers]]\n"
            "class_name = \"X\"\n"
            "image = \"nonexistent\"\n"
            "max_instances = -1\n");
    auto c = load_in(d);
    CHECK(c.config.is_null());
    CHECK(
        rendered(c, c.errors) ==
        "wrangler.toml:1:8: error: Expected \"name\" to be of type string, alphanumeric and lowercase with dashes only "
        "but got \"Bad Name\".\n"
        "  1 | name = \"Bad Name\"\n"
        "    |        ^\n"
        "  hint: try \"bad-name\" (worker names are lowercase letters, digits, - and _)\n"
        "wrangler.toml:2:22: error: \"compatibility_date\" field should be a valid ISO-8601 date (YYYY-MM-DD), but got "
        "\"2025-13-01\".\n"
        "  2 | compatibility_date = \"2025-13-01\"\n"
        "    |                      ^\n"
        "  hint: for example \"2025-06-01\"\n"
        "wrangler.toml:3:15: error: Expected \"workers_dev\" to be of type boolean but got \"yes\".\n"
        "  3 | workers_dev = \"yes\"\n"
        "    |               ^\n"
        "wrangler.toml:7:9: error: The image \"nonexistent\" does not appear to be a valid path to a Dockerfile, or a "
        "valid image registry path:\n"
        "If this is an image registry path, it needs to include at least a tag ':' (e.g: docker.io/httpd:1)\n"
        "  7 | image = \"nonexistent\"\n"
        "    |         ^\n"
        "  hint: no file ./nonexistent exists either\n"
        "wrangler.toml:8:17: error: \"containers.max_instances\" field should be a positive number, but got -1\n"
        "  8 | max_instances = -1\n"
        "    |                 ^\n");
    REQUIRE(c.warnings.size() == 1);
    CHECK(rendered(c, c.warnings) ==
          "wrangler.toml:4:1: warning: Unexpected fields found in top-level field: \"compatibilty_flags\"\n"
          "  4 | compatibilty_flags = [\"nodejs_compat\"]\n"
          "    | ^\n"
          "  hint: did you mean \"compatibility_flags\"?\n");
    CHECK(c.errors[4].path == "containers[0].max_instances");
    CHECK(c.warnings[0].path == "compatibilty_flags");
}

TEST_CASE("config: the same mistakes in JSON and JSONC point at the JSON values") {
    TempDir d;
    d.write("wrangler.json",
            "{\n"
            "  \"name\": \"ok-name\",\n"
            "  \"containers\": [\n"
            "    { \"class_name\": \"Web\", \"image\": \"r.example.com/web:1\", \"rollout_step_percentage\": 7 }\n"
            "  ],\n"
            "  \"env\": { \"staging\": { \"vars\": { \"A\": 1 }, \"keep_vars\": true } },\n"
            "}\n");
    auto c = load_in(d);
    CHECK(rendered(c, c.errors) ==
          "wrangler.json:4:87: error: \"containers.rollout_step_percentage\" must be one of [5, 10, 20, 25, 50, 100], "
          "but "
          "got 7\n"
          "  4 |     { \"class_name\": \"Web\", \"image\": \"r.example.com/web:1\", \"rollout_step_percentage\": 7 }\n"
          "    |                                                                                       ^\n");
    CHECK(c.errors[0].path == "containers[0].rollout_step_percentage");

    TempDir j;
    j.write("wrangler.jsonc",
            "// staging only\n"
            "{\n"
            "  \"name\": \"app\",\n"
            "  \"env\": {\n"
            "    \"staging\": {\n"
            "      /* not allowed in an env */ \"keep_vars\": true,\n"
            "    },\n"
            "  },\n"
            "}\n");
    auto s = load_in(j, "staging");
    CHECK(s.ok());
    CHECK(rendered(s, s.warnings) ==
          "wrangler.jsonc:6:35: warning: Unexpected fields found in env.staging field: \"keep_vars\"\n"
          "  6 |       /* not allowed in an env */ \"keep_vars\": true,\n"
          "    |                                   ^\n"
          "  hint: \"keep_vars\" is only allowed at the top level of the file, not inside an environment\n");
    CHECK(s.warnings[0].path == "env.staging.keep_vars");
}

TEST_CASE("config: containers - default names, Dockerfile vs registry image, build context") {
    TempDir d;
    d.write("docker/Dockerfile", "FROM scratch\n");
    d.write("wrangler.toml",
            "name = \"Tenant App\"\n"
            "[[containers]]\n"
            "class_name = \"My Box\"\n"
            "image = \"docker/Dockerfile\"\n"
            "[[containers]]\n"
            "class_name = \"Reg\"\n"
            "image = \"registry.example.com/a/b:1\"\n"
            "[env.staging]\n"
            "[[env.staging.containers]]\n"
            "class_name = \"Reg\"\n"
            "image = \"docker\"\n");
    LoadOptions o;
    o.cwd = d.str();
    o.dispatch_namespace = "ns";  // relaxed worker name rule
    auto c = load_config(o);
    REQUIRE(c.ok());
    const auto& cs = c.config["containers"];  // the normalized JSON (what `config show` prints)
    REQUIRE(cs.size() == 2);
    CHECK(cs[0]["name"] == "tenant-app-my-box");
    CHECK(cs[0]["image"] == "./docker/Dockerfile");
    CHECK(cs[0]["image_build_context"] == "./docker");
    CHECK(cs[1]["name"] == "tenant-app-reg");
    CHECK_FALSE(cs[1].contains("image_build_context"));

    o.env = "staging";
    auto s = load_config(o);
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].message == "./docker is a directory, you should specify a path to the Dockerfile");
    CHECK(s.errors[0].path == "env.staging.containers[0].image");
    CHECK(s.errors[0].line == 11);
}

TEST_CASE("config: duplicate binding names among many, reported in file order with every type and the first use") {
    TempDir d;
    std::string t = "name = \"dupes\"\n[vars]\n";
    for (int i = 0; i < 30; ++i) t += "V" + std::to_string(i) + " = \"x\"\n";  // lines 3-32
    t += "[[r2_buckets]]\nbinding = \"V7\"\nbucket_name = \"bucket-b\"\n";     // binding at line 34
    t += "[[kv_namespaces]]\nbinding = \"V3\"\nid = \"1\"\n";                  // line 37
    t += "[[kv_namespaces]]\nbinding = \"V7\"\nid = \"2\"\n";                  // line 40
    t += "[[durable_objects.bindings]]\nname = \"SOLO\"\nclass_name = \"C\"\n";
    d.write("wrangler.toml", t);
    auto c = load_in(d);
    REQUIRE(c.errors.size() == 3);
    CHECK(c.errors[0].message == "V7 assigned to KV Namespace, R2 Bucket and Environment Variable bindings.");
    CHECK(c.errors[0].line == 34);
    CHECK(c.errors[0].path == "r2_buckets[0].binding");
    CHECK(c.errors[0].hint == "also used at vars.V7 (line 10)");
    CHECK(c.errors[1].message.rfind("Bindings must have unique names", 0) == 0);
    CHECK(c.errors[1].line == 34);
    CHECK(c.errors[2].message == "V3 assigned to KV Namespace and Environment Variable bindings.");
    CHECK(c.errors[2].line == 37);
    CHECK(c.errors[2].path == "kv_namespaces[0].binding");
}

TEST_CASE("config: container images under missing and existing directories are told apart") {
    TempDir d;
    d.write("docker/Dockerfile", "FROM scratch\n");
    d.write("wrangler.toml",
            "name = \"imgs\"\n"
            "[[containers]]\nclass_name = \"A\"\nimage = \"registry.example.com/a:1\"\n"
            "[[containers]]\nclass_name = \"B\"\nimage = \"registry.example.com/b\"\n"
            "[[containers]]\nclass_name = \"C\"\nimage = \"docker/Dockerfile\"\n"
            "[[containers]]\nclass_name = \"D\"\nimage = \"docker/other:2\"\n");
    auto c = load_in(d);
    REQUIRE(c.errors.size() == 1);  // registry.example.com/b has no tag and is no file
    CHECK(c.errors[0].path == "containers[1].image");
    d.write("wrangler.toml",
            "name = \"imgs\"\n"
            "[[containers]]\nclass_name = \"A\"\nimage = \"registry.example.com/a:1\"\n"
            "[[containers]]\nclass_name = \"C\"\nimage = \"docker/Dockerfile\"\n"
            "[[containers]]\nclass_name = \"D\"\nimage = \"docker/other:2\"\n");
    c = load_in(d);
    REQUIRE(c.ok());
    const auto& cs = c.config["containers"];
    CHECK(cs[0]["image"] == "registry.example.com/a:1");
    CHECK_FALSE(cs[0].contains("image_build_context"));
    CHECK(cs[1]["image"] == "./docker/Dockerfile");
    CHECK(cs[1]["image_build_context"] == "./docker");
    CHECK(cs[2]["image"] == "docker/other:2");
    CHECK_FALSE(cs[2].contains("image_build_context"));
}

TEST_CASE("config: duplicate binding names and --strict") {
    TempDir d;
    d.write(
        "wrangler.toml",
        "name = \"dupes\"\nmystery = 1\n[vars]\nSTORE = \"x\"\n[[kv_namespaces]]\nbinding = \"STORE\"\nid = \"1\"\n");
    auto c = load_in(d);
    REQUIRE(c.errors.size() == 2);
    CHECK(c.errors[0].message == "STORE assigned to KV Namespace and Environment Variable bindings.");
    CHECK(c.errors[0].line == 6);
    CHECK(c.errors[0].hint == "also used at vars.STORE (line 4)");

    TempDir w;
    w.write("wrangler.toml", "name = \"w\"\nmystery = 1\n");
    CHECK(load_in(w).ok());
    LoadOptions o;
    o.cwd = w.str();
    o.strict = true;
    auto strict = load_config(o);
    CHECK_FALSE(strict.ok());
    REQUIRE(strict.errors.size() == 1);
    CHECK(strict.errors[0].severity == Severity::Error);
    CHECK(strict.warnings.empty());
}

TEST_CASE("config: an empty KV id is an error at the top level and in an environment; an empty preview_id is not") {
    TempDir d;
    d.write("wrangler.toml",
            "name = \"kv\"\n"
            "[[kv_namespaces]]\n"
            "binding = \"KV\"\n"
            "id = \"\"\n"
            "[[kv_namespaces]]\n"
            "binding = \"KV2\"\n"
            "id = \"x\"\n"
            "preview_id = \"\"\n"
            "[env.staging]\n"
            "[[env.staging.kv_namespaces]]\n"
            "binding = \"KV\"\n"
            "id = \"\"\n"
            "[[env.staging.kv_namespaces]]\n"
            "binding = \"KV2\"\n"
            "id = \"y\"\n");
    auto top = load_in(d);
    CHECK(rendered(top, top.errors) ==
          "wrangler.toml:4:6: error: \"kv_namespaces[0]\" bindings should have a string \"id\" field but got "
          "{\"binding\":\"KV\",\"id\":\"\"}.\n"
          "  4 | id = \"\"\n"
          "    |      ^\n"
          "  hint: an empty \"id\" is not allowed: set it, or remove \"id\"\n");
    CHECK(top.errors[0].path == "kv_namespaces[0].id");

    auto stg = load_in(d, "staging");
    REQUIRE(stg.errors.size() == 2);  // the top level is always validated
    CHECK(stg.errors[1].message ==
          "\"env.staging.kv_namespaces[0]\" bindings should have a string \"id\" field but got "
          "{\"binding\":\"KV\",\"id\":\"\"}.");
    CHECK(stg.errors[1].path == "env.staging.kv_namespaces[0].id");
    CHECK(stg.errors[1].line == 12);
    CHECK(stg.errors[1].column == 6);

    d.write("wrangler.toml", "name = \"kv\"\nkv_namespaces = [{ binding = \"KV\", id = 5 }]\n");
    auto num = load_in(d);
    REQUIRE(num.errors.size() == 1);
    CHECK(num.errors[0].message ==
          "\"kv_namespaces[0]\" bindings should have a string \"id\" field but got {\"binding\":\"KV\",\"id\":5}.");
    CHECK(num.errors[0].column == 41);
}

TEST_CASE("config: TOML dates and times in vars are errors, like wrangler; nested ones and strings are not") {
    TempDir d;
    d.write("wrangler.toml",
            "name = \"dates\"\n"
            "[vars]\n"
            "WHEN = 2025-12-19\n"
            "AT = 07:32:00\n"
            "STAMP = 1979-05-27T07:32:00Z\n"
            "OK = \"2025-12-19\"\n"
            "LIST = [2025-01-01]\n"
            "[env.staging.vars]\n"
            "WHEN = 2025-12-20\n"
            "AT = \"x\"\n"
            "STAMP = \"x\"\n"
            "OK = \"x\"\n"
            "LIST = \"x\"\n");
    auto top = load_in(d);
    CHECK(rendered(top, top.errors) ==
          "wrangler.toml:3:8: error: The field \"vars.WHEN\" is a TOML date, which is not supported. Please use a "
          "string instead, e.g. WHEN = \"2025-12-19\".\n"
          "  3 | WHEN = 2025-12-19\n"
          "    |        ^\n"
          "  hint: quote the value: WHEN = \"2025-12-19\"\n"
          "wrangler.toml:4:6: error: The field \"vars.AT\" is a TOML date, which is not supported. Please use a "
          "string instead, e.g. AT = \"2025-12-19\".\n"
          "  4 | AT = 07:32:00\n"
          "    |      ^\n"
          "  hint: quote the value: AT = \"07:32:00\"\n"
          "wrangler.toml:5:9: error: The field \"vars.STAMP\" is a TOML date, which is not supported. Please use a "
          "string instead, e.g. STAMP = \"2025-12-19\".\n"
          "  5 | STAMP = 1979-05-27T07:32:00Z\n"
          "    |         ^\n"
          "  hint: quote the value: STAMP = \"1979-05-27T07:32:00Z\"\n");
    CHECK(top.errors[0].path == "vars.WHEN");

    auto stg = load_in(d, "staging");
    REQUIRE(stg.errors.size() == 4);
    CHECK(stg.errors[3].message ==
          "The field \"env.staging.vars.WHEN\" is a TOML date, which is not supported. Please use a string instead, "
          "e.g. WHEN = \"2025-12-19\".");
    CHECK(stg.errors[3].path == "env.staging.vars.WHEN");
    CHECK(stg.errors[3].line == 9);
    CHECK(stg.errors[3].column == 8);
}

TEST_CASE("config: containers[].ssh is normalized to wrangler_ssh; ssh wins over the deprecated wrangler_ssh") {
    TempDir d;
    d.write("wrangler.toml",
            "name = \"ssh\"\n"
            "[[containers]]\n"
            "class_name = \"A\"\n"
            "image = \"registry.example.com/a:1\"\n"
            "ssh = { enabled = true, port = 2222 }\n"
            "[[containers]]\n"
            "class_name = \"B\"\n"
            "image = \"registry.example.com/b:1\"\n"
            "ssh = { enabled = true }\n"
            "wrangler_ssh = { enabled = false }\n"
            "[[containers]]\n"
            "class_name = \"C\"\n"
            "image = \"registry.example.com/c:1\"\n"
            "wrangler_ssh = { enabled = true }\n");
    auto c = load_in(d);
    REQUIRE(c.ok());
    const auto& cs = c.config["containers"];  // the normalized JSON (what `config show` prints)
    CHECK(cs[0]["wrangler_ssh"] == nlohmann::json{{"enabled", true}, {"port", 2222}});
    CHECK_FALSE(cs[0].contains("ssh"));
    CHECK(cs[1]["wrangler_ssh"] == nlohmann::json{{"enabled", true}});
    CHECK_FALSE(cs[1].contains("ssh"));
    CHECK(cs[2]["wrangler_ssh"] == nlohmann::json{{"enabled", true}});
    CHECK(rendered(c, c.warnings) ==
          "wrangler.toml:10:1: warning: \"containers.wrangler_ssh\" is deprecated. Use \"containers.ssh\" instead.\n"
          "  10 | wrangler_ssh = { enabled = false }\n"
          "     | ^\n"
          "  hint: \"ssh\" is set too and is the one used; remove \"wrangler_ssh\"\n"
          "wrangler.toml:14:1: warning: \"containers.wrangler_ssh\" is deprecated. Use \"containers.ssh\" instead.\n"
          "  14 | wrangler_ssh = { enabled = true }\n"
          "     | ^\n"
          "  hint: rename \"wrangler_ssh\" to \"ssh\"\n");

    d.write("wrangler.toml",
            "name = \"ssh\"\n"
            "[[containers]]\n"
            "class_name = \"A\"\n"
            "image = \"registry.example.com/a:1\"\n"
            "ssh = { port = 70000 }\n");
    auto bad = load_in(d);
    CHECK(rendered(bad, bad.errors) ==
          "wrangler.toml:5:7: error: containers.ssh.enabled must be a boolean\n"
          "  5 | ssh = { port = 70000 }\n"
          "    |       ^\n"
          "  hint: add enabled = true\n"
          "wrangler.toml:5:16: error: containers.ssh.port must be a number between 1 and 65535 inclusive\n"
          "  5 | ssh = { port = 70000 }\n"
          "    |                ^\n");
}

TEST_CASE("config: the deprecated containers[].configuration block: warnings, its image, limits vs instance_type") {
    TempDir d;
    d.write("docker/Dockerfile", "FROM scratch\n");
    d.write("wrangler.toml",
            "name = \"cfg\"\n"
            "[[containers]]\n"
            "class_name = \"A\"\n"
            "[containers.configuration]\n"
            "image = \"registry.example.com/a:1\"\n"
            "labels = [{ name = \"l\", value = \"v\" }]\n"
            "secrets = [{ name = \"S\", type = \"env\", secret = \"s\" }]\n"
            "disk = { size = \"2GB\" }\n"
            "vcpu = 1\n"
            "memory_mib = 512\n"
            "bogus = 1\n"
            "[[containers]]\n"
            "class_name = \"B\"\n"
            "configuration = { image = \"docker/Dockerfile\" }\n");
    auto c = load_in(d);
    REQUIRE(c.ok());
    const auto& cs = c.config["containers"];  // the normalized JSON (what `config show` prints)
    CHECK(cs[0]["image"] == "registry.example.com/a:1");
    CHECK(cs[0]["configuration"]["bogus"] == 1);  // kept as written, like wrangler
    CHECK(cs[0]["configuration"]["vcpu"] == 1);
    CHECK_FALSE(cs[0].contains("image_build_context"));
    CHECK(cs[1]["image"] == "./docker/Dockerfile");
    CHECK(cs[1]["image_build_context"] == "./docker");
    CHECK(
        rendered(c, c.warnings) ==
        "wrangler.toml:4:13: warning: \"containers.configuration\" is deprecated. Use top level \"containers\" fields "
        "instead. \"configuration.image\" should be \"image\", limits should be set via \"instance_type\".\n"
        "  4 | [containers.configuration]\n"
        "    |             ^\n"
        "  hint: move \"configuration.image\" to \"image\", and the limits to \"instance_type\"\n"
        "wrangler.toml:11:1: warning: Unexpected fields found in containers.configuration field: \"bogus\"\n"
        "  11 | bogus = 1\n"
        "     | ^\n"
        "wrangler.toml:14:1: warning: \"containers.configuration\" is deprecated. Use top level \"containers\" "
        "fields instead. \"configuration.image\" should be \"image\", limits should be set via \"instance_type\".\n"
        "  14 | configuration = { image = \"docker/Dockerfile\" }\n"
        "     | ^\n"
        "  hint: move \"configuration.image\" to \"image\", and the limits to \"instance_type\"\n");
    CHECK(c.warnings[1].path == "containers[0].configuration.bogus");

    d.write("wrangler.toml",
            "name = \"cfg\"\n"
            "[[containers]]\n"
            "class_name = \"A\"\n"
            "image = \"registry.example.com/a:1\"\n"
            "instance_type = \"standard-1\"\n"
            "configuration = { vcpu = 2 }\n"
            "[[containers]]\n"
            "class_name = \"B\"\n"
            "image = \"registry.example.com/b:1\"\n"
            "configuration = \"x\"\n");
    auto bad = load_in(d);
    CHECK(rendered(bad, bad.errors) ==
          "wrangler.toml:6:19: error: Cannot set custom limits via \"containers.configuration\" and use preset "
          "\"instance_type\" limits at the same time.\n"
          "  6 | configuration = { vcpu = 2 }\n"
          "    |                   ^\n"
          "  hint: remove \"configuration.vcpu\" and keep \"instance_type\"\n"
          "wrangler.toml:10:17: error: \"containers.configuration\" should be an object\n"
          "  10 | configuration = \"x\"\n"
          "     |                 ^\n");
}

TEST_CASE("config: \"not inherited\" per binding name when an environment has its own list") {
    TempDir d;
    d.write("wrangler.toml",
            "name = \"inh\"\n"
            "kv_namespaces = [{ binding = \"KV\", id = \"1\" }, { binding = \"KV2\", id = \"2\" }]\n"
            "r2_buckets = [{ binding = \"R2\", bucket_name = \"bucket\" }]\n"
            "d1_databases = [{ binding = \"DB\", database_id = \"d\" }]\n"
            "services = [{ binding = \"SVC\", service = \"other\" }]\n"
            "send_email = [{ name = \"MAIL\" }]\n"
            "ratelimits = [{ name = \"RL\", namespace_id = \"1001\", simple = { limit = 1, period = 60 } }]\n"
            "queues.producers = [{ binding = \"Q\", queue = \"q\" }]\n"
            "hyperdrive = [{ binding = \"HD\", id = \"h\" }]\n"
            "durable_objects.bindings = [{ name = \"DO\", class_name = \"D\", script_name = \"w\" }]\n"
            "unsafe.bindings = [{ name = \"U\", type = \"xyz\" }]\n"
            "[env.staging]\n"
            "kv_namespaces = [{ binding = \"KV\", id = \"3\" }]\n"
            "r2_buckets = [{ binding = \"R2\", bucket_name = \"bucket\" }]\n"
            "d1_databases = []\n"
            "services = [{ binding = \"SVC2\", service = \"other\" }]\n"
            "send_email = []\n"
            "ratelimits = [{ name = \"RL2\", namespace_id = \"1002\", simple = { limit = 1, period = 60 } }]\n"
            "queues.producers = [{ binding = \"Q2\", queue = \"q\" }]\n"
            "durable_objects.bindings = [{ name = \"DO2\", class_name = \"D\", script_name = \"w\" }]\n"
            "unsafe.bindings = [{ name = \"U2\", type = \"xyz\" }]\n");
    auto c = load_in(d, "staging");
    REQUIRE(c.ok());
    // KV2, DB, SVC, MAIL (send_email is keyed by "name": wrangler prints "undefined"), DO, U; and the
    // whole-field form for hyperdrive, which the environment lacks.
    CHECK(count_not_inherited(c) == 7);
    std::string all = rendered(c, c.warnings);
    CHECK(all.find("wrangler.toml:12:6: warning: \"hyperdrive\" exists at the top level, but not on "
                   "\"env.staging\".\n") != std::string::npos);
    CHECK(all.find(
              "wrangler.toml:13:17: warning: There is a kv_namespaces binding with name \"KV2\" at the top level, but "
              "not on \"env.staging\".\n"
              "This is not what you probably want, since \"kv_namespaces\" configuration is not inherited by "
              "environments.\n"
              "Please add a binding for \"KV2\" to \"env.staging.kv_namespaces.bindings\".\n"
              "  13 | kv_namespaces = [{ binding = \"KV\", id = \"3\" }]\n"
              "     |                 ^\n"
              "  hint: the top level binds it at kv_namespaces[1] (line 2)\n") != std::string::npos);
    CHECK(all.find("wrangler.toml:15:16: warning: There is a d1_databases binding with name \"DB\"") !=
          std::string::npos);
    CHECK(all.find("wrangler.toml:16:12: warning: There is a services binding with name \"SVC\"") != std::string::npos);
    CHECK(all.find("There is a send_email binding with name \"undefined\" at the top level") != std::string::npos);
    CHECK(all.find("binding with name \"R2\"") == std::string::npos);
    CHECK(all.find("binding with name \"RL\"") == std::string::npos);
    CHECK(all.find("\"Q\"") == std::string::npos);  // queues.producers: wrangler does not compare them
    CHECK(all.find("wrangler.toml:20:1: warning: The following bindings are at the top level, but not on "
                   "\"env.staging\".\n"
                   "This is not what you probably want, since \"durable_objects\" configuration is not inherited by "
                   "environments.\n"
                   "Please add a binding for each to \"env.staging.durable_objects.bindings\":\n"
                   "- DO\n") != std::string::npos);
    CHECK(all.find("warning: The following bindings are at the top level, but not on \"env.staging\".\n"
                   "This is not what you probably want, since \"unsafe\" configuration is not inherited by "
                   "environments.\n"
                   "Please add a binding for each to \"env.staging.unsafe.bindings\":\n"
                   "- U\n") != std::string::npos);
    for (const auto& w : c.warnings)
        if (w.message.find("kv_namespaces binding") != std::string::npos) CHECK(w.path == "env.staging.kv_namespaces");
}
