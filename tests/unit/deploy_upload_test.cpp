#include <doctest/doctest.h>

#include <filesystem>

#include "core/fs.hpp"
#include "core/strings.hpp"
#include "workers/upload.hpp"

using namespace tenantctl;
using namespace tenantctl::workers;
using nlohmann::json;

namespace {
struct TempProject {
    std::string dir;
    TempProject() : dir((std::filesystem::temp_directory_path() / ("tc-up-" + random_hex(4))).string()) {}
    ~TempProject() { std::filesystem::remove_all(dir); }
    void write(const std::string& rel, const std::string& content) {
        REQUIRE(write_file_atomic(dir + "/" + rel, content).ok());
    }
};
}  // namespace

TEST_CASE("bindings from the normalized config, in wrangler's upload shapes") {
    json c = json::parse(R"({
      "vars": {"THEME": "dark", "LIMIT": 5, "OBJ": {"a": 1}},
      "kv_namespaces": [{"binding": "KV", "id": "k1"}],
      "r2_buckets": [{"binding": "R2", "bucket_name": "b1", "jurisdiction": "eu"}],
      "d1_databases": [{"binding": "DB", "database_id": "d1"}],
      "services": [{"binding": "AUTH", "service": "auth", "entrypoint": "Api"}],
      "durable_objects": {"bindings": [{"name": "ROOM", "class_name": "Room"}]},
      "dispatch_namespaces": [{"binding": "T", "namespace": "prod", "outbound": {"service": "egress", "parameters": ["tenant"]}}]
    })");
    json b = bindings_json(config::bindings_of(c));
    REQUIRE(b.size() == 9);
    // nlohmann::json keeps object keys sorted, so vars come out by name.
    CHECK(b[0] == json::parse(R"({"name":"LIMIT","type":"json","json":5})"));
    CHECK(b[1] == json::parse(R"({"name":"OBJ","type":"json","json":{"a":1}})"));
    CHECK(b[2] == json::parse(R"({"name":"THEME","type":"plain_text","text":"dark"})"));
    CHECK(b[3] == json::parse(R"({"name":"KV","type":"kv_namespace","namespace_id":"k1"})"));
    CHECK(b[4] == json::parse(R"({"name":"R2","type":"r2_bucket","bucket_name":"b1","jurisdiction":"eu"})"));
    CHECK(b[5] == json::parse(R"({"name":"DB","type":"d1","id":"d1"})"));
    CHECK(b[6] == json::parse(R"({"name":"AUTH","type":"service","service":"auth","entrypoint":"Api"})"));
    CHECK(b[7] == json::parse(R"({"name":"ROOM","type":"durable_object_namespace","class_name":"Room"})"));
    CHECK(
        b[8] ==
        json::parse(
            R"({"name":"T","type":"dispatch_namespace","namespace":"prod","outbound":{"worker":{"service":"egress"},"params":[{"name":"tenant"}]}})"));
}

TEST_CASE("migrations are sent relative to the script's current tag") {
    json m = json::parse(
        R"([{"tag":"v1","new_sqlite_classes":["A"]},{"tag":"v2","renamed_classes":[{"from":"A","to":"B"}]}])");
    CHECK(
        migrations_for_upload(m, std::nullopt).value() ==
        json::parse(
            R"({"new_tag":"v2","steps":[{"new_sqlite_classes":["A"]},{"renamed_classes":[{"from":"A","to":"B"}]}]})"));
    CHECK(migrations_for_upload(m, std::string("v1")).value() ==
          json::parse(R"({"new_tag":"v2","old_tag":"v1","steps":[{"renamed_classes":[{"from":"A","to":"B"}]}]})"));
    CHECK(migrations_for_upload(m, std::string("v2")).value().is_null());
    auto unknown = migrations_for_upload(m, std::string("v9"));
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("\"v9\"") != std::string::npos);
}

TEST_CASE("build_upload --no-bundle: main module, additional modules, keep_bindings, digest") {
    TempProject p;
    p.write("src/index.js", "export default {}");
    p.write("src/lib/util.js", "export const x = 1");
    p.write("src/data.bin", "\x01\x02");
    json c = {{"main", "./src/index.js"},
              {"compatibility_date", "2026-01-01"},
              {"find_additional_modules", true},
              {"vars", {{"A", "1"}}}};
    UploadOptions o;
    o.config_dir = p.dir;
    o.no_bundle = true;
    o.keep_vars = true;
    o.tags = {"managed"};
    auto b = build_upload(config::worker_config(c), o);
    REQUIRE(b.ok());
    CHECK(b->metadata["main_module"] == "index.js");
    CHECK(b->metadata["keep_bindings"] == json::parse(R"(["secret_text","secret_key","plain_text","json"])"));
    CHECK(b->metadata["tags"] == json::parse(R"(["managed"])"));
    REQUIRE(b->modules.size() == 3);
    CHECK(b->modules[0].name == "index.js");
    CHECK(b->modules[1].name == "data.bin");
    CHECK(b->modules[1].content_type == "application/octet-stream");
    CHECK(b->modules[2].name == "lib/util.js");
    CHECK(b->modules[2].content_type == "application/javascript+module");
    auto again = build_upload(config::worker_config(c), o);
    CHECK(again->digest == b->digest);
    p.write("src/lib/util.js", "export const x = 2");
    CHECK(build_upload(config::worker_config(c), o)->digest != b->digest);

    auto body = encode_upload(*b);
    CHECK(starts_with(body.data, "--" + body.boundary + "\r\nContent-Disposition: form-data; name=\"metadata\""));
    CHECK(body.data.find("filename=\"lib/util.js\"") != std::string::npos);
    CHECK(ends_with(body.data, "--" + body.boundary + "--\r\n"));
}

TEST_CASE("build_upload errors name the field and value") {
    TempProject p;
    json c = {{"main", "./src/missing.js"}};
    UploadOptions o;
    o.config_dir = p.dir;
    auto r = build_upload(config::worker_config(c), o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "\"main\" points at \"./src/missing.js\", which does not exist");
    CHECK_FALSE(build_upload(config::WorkerConfig{}, o).ok());
}
