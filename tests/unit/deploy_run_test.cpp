// run_deploy against an in-process HTTP server standing in for the control plane and the registry, with a
// fake docker: what is read, what is written, and what is built, for a new project, an unchanged one, an image
// the registry already has, and a missing docker.
#include <doctest/doctest.h>

#include <filesystem>

#include "../support/test_fs.hpp"
#include "../support/test_http_server.hpp"
#include "config/config.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "deploy/deploy.hpp"
#include "images/registry.hpp"
#include "tenants/engine.hpp"

using namespace tenantctl;
using nlohmann::json;
using tenantctl::testing::RecordedRequest;
using tenantctl::testing::ScriptedResponse;
using tenantctl::testing::TestHttpServer;

namespace {

const std::string k_acct = "0123456789abcdef0123456789abcdef";
const std::string k_digest = "sha256:" + std::string(64, 'a');

struct FakeDocker : images::Docker {
    bool available = true;
    int infos = 0, builds = 0, logins = 0, pushes = 0;
    images::BuildSpec last_build;
    std::string last_push;
    Result<images::DockerInfo> info() override {
        ++infos;
        if (!available) return Error(ErrorKind::Docker, "the docker daemon is not reachable", "start dockerd");
        return images::DockerInfo{"20.10", false};
    }
    Status build(const images::DockerInfo&, const images::BuildSpec& spec, const std::string&,
                 const images::OutputFn&) override {
        ++builds;
        last_build = spec;
        return {};
    }
    Status login(const std::string&, const std::string&, const std::string&, const std::string&) override {
        ++logins;
        return {};
    }
    Result<std::string> push(const std::string&, const std::string& ref, const images::OutputFn&) override {
        ++pushes;
        last_push = ref;
        return k_digest;
    }
    Status tag(const std::string&, const std::string&) override { return {}; }
    Result<std::string> image_platform(const std::string&) override { return std::string("linux/amd64"); }
};

struct Project {
    std::string dir;
    Project() : dir((std::filesystem::temp_directory_path() / ("tc-deploy-" + random_hex(4))).string()) {
        std::filesystem::create_directories(dir + "/src");
        std::filesystem::create_directories(dir + "/app");
        REQUIRE(
            write_file_atomic(dir + "/src/index.js", "export default { fetch() { return new Response('x') } }").ok());
        REQUIRE(write_file_atomic(dir + "/app/Dockerfile", "FROM scratch\nCOPY bin /bin\n").ok());
        REQUIRE(write_file_atomic(dir + "/app/bin", "binary").ok());
        REQUIRE(write_file_atomic(dir + "/wrangler.toml",
                                  "name = \"web\"\nmain = \"./src/index.js\"\ncompatibility_date = "
                                  "\"2025-06-01\"\n[[containers]]\nclass_name = \"App\"\nimage = "
                                  "\"./app/Dockerfile\"\nmax_instances = 3\n")
                    .ok());
    }
    ~Project() { std::filesystem::remove_all(dir); }
    config::LoadedConfig load() const {
        config::LoadOptions o;
        o.cwd = dir;
        auto c = config::load_config(o);
        REQUIRE(c.ok());
        return c;
    }
};

// The control plane (and, on the same port, the registry's /v2 API).
struct Plane {
    TestHttpServer s;
    json scripts = json::array();
    json apps = json::array();
    bool registry_has = false;
    json subdomain = {{"enabled", false}, {"previews_enabled", false}};
    Plane() {
        const std::string a = "/client/v4/accounts/" + k_acct;
        s.on("GET", a + "/workers/scripts",
             [this](const RecordedRequest&) { return ScriptedResponse::envelope(scripts.dump()); });
        s.on("GET", a + "/containers/applications",
             [this](const RecordedRequest&) { return ScriptedResponse::envelope(apps.dump()); });
        s.on("POST", a + "/containers/registries/registry.cloudflare.com/credentials", [this](const RecordedRequest&) {
            return ScriptedResponse::envelope(json{
                {"registry_host", "127.0.0.1:" + std::to_string(s.port())},
                {"username", "v1"},
                {"password",
                 "registry-password-123"}}.dump());
        });
        s.on_prefix("HEAD", "/v2/", [this](const RecordedRequest&) {
            ScriptedResponse r;
            r.status = registry_has ? 200 : 404;
            if (registry_has) r.headers.emplace_back("Docker-Content-Digest", "sha256:" + std::string(64, 'b'));
            return r;
        });
        s.on("PUT", a + "/workers/scripts/web", {ScriptedResponse::envelope(R"({"id":"web"})")});
        // The workers.dev toggle: read, and written only when it differs.
        s.on("GET", a + "/workers/scripts/web/subdomain",
             [this](const RecordedRequest&) { return ScriptedResponse::envelope(subdomain.dump()); });
        s.on("POST", a + "/workers/scripts/web/subdomain", [this](const RecordedRequest& r) {
            subdomain = json::parse(r.body);
            return ScriptedResponse::envelope(subdomain.dump());
        });
        s.on("GET", a + "/workers/subdomain", {ScriptedResponse::envelope(R"({"subdomain":"acct"})")});
        s.on("GET", a + "/workers/scripts/web/deployments",
             {ScriptedResponse::envelope(
                 R"({"deployments":[{"versions":[{"version_id":"v-123","percentage":100}]}]})")});
        s.on("POST", a + "/containers/applications", [](const RecordedRequest& r) {
            json b = json::parse(r.body);
            b["id"] = "app-1";
            return ScriptedResponse::envelope(b.dump());
        });
    }
    api::ClientOptions client_options() {
        api::ClientOptions o;
        o.api_url = s.url() + "/client/v4";
        o.credentials.kind = api::Credentials::Kind::Token;
        o.credentials.token = "deploy-test-token";
        o.http.retry.max_attempts = 1;
        return o;
    }
    size_t writes() const {
        size_t n = 0;
        for (const auto& r : s.requests())
            if (r.method != "GET" && r.method != "HEAD") ++n;
        return n;
    }
};

deploy::DeployOptions options() {
    deploy::DeployOptions o;
    o.account_id = k_acct;
    o.message = "test";
    o.version_tag = "t1";
    o.no_bundle = true;  // deploy's mechanics here; bundling is tested with esbuild and workerd (bundle_workerd.sh)
    return o;
}

}  // namespace

TEST_CASE("deploy: a new project is built, pushed, uploaded and its application created") {
    Project p;
    Plane plane;
    api::ApiClient client(plane.client_options());
    FakeDocker docker;
    auto r = deploy::run_deploy(p.load(), &client, &docker, options(), {});
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK(plane.s.unexpected().empty());
    CHECK(docker.builds == 1);
    CHECK(docker.pushes == 1);
    CHECK(docker.last_build.platform == "linux/amd64");
    CHECK(docker.last_build.labels.at(deploy::k_context_label) == r->containers.at(0).context_digest);
    CHECK(starts_with(docker.last_push, "127.0.0.1:" + std::to_string(plane.s.port()) + "/" + k_acct + "/web-app:"));
    CHECK(r->uploaded);
    CHECK(r->version_id == "v-123");
    REQUIRE(r->containers.size() == 1);
    CHECK(r->containers[0].action == "created");
    CHECK(r->containers[0].image ==
          "127.0.0.1:" + std::to_string(plane.s.port()) + "/" + k_acct + "/web-app@" + k_digest);

    // the upload carries the digest tag; the application carries the context label and the pinned image
    bool tagged = false, labelled = false;
    for (const auto& req : plane.s.requests()) {
        if (req.method == "PUT")
            tagged = req.body.find(workers::k_upload_tag_prefix + r->upload_digest.substr(0, 16)) != std::string::npos;
        if (req.method == "POST" && ends_with(req.path, "/containers/applications")) {
            json b = json::parse(req.body);
            CHECK(b["configuration"]["image"] == r->containers[0].image);
            for (const auto& l : b["configuration"]["labels"])
                labelled =
                    labelled || (l["name"] == deploy::k_context_label && l["value"] == r->containers[0].context_digest);
            CHECK(b["max_instances"] == 3);
        }
    }
    CHECK(tagged);
    CHECK(labelled);
    CHECK(json::parse(r->to_json().dump())["worker"]["uploaded"] == true);
}

TEST_CASE("deploy: an unchanged project sends only reads and runs no docker at all") {
    Project p;
    Plane plane;
    api::ApiClient client(plane.client_options());
    FakeDocker docker;
    auto first = deploy::run_deploy(p.load(), &client, &docker, options(), {});
    REQUIRE(first.ok());
    // The platform now has what the first deploy wrote.
    plane.scripts = json::array(
        {{{"id", "web"}, {"tags", {std::string(workers::k_upload_tag_prefix) + first->upload_digest.substr(0, 16)}}}});
    json app = deploy::create_application_request(p.load().worker().containers[0], first->containers[0].image);
    app["configuration"]["labels"] =
        json::array({{{"name", deploy::k_context_label}, {"value", first->containers[0].context_digest}}});
    app["id"] = "app-1";
    plane.apps = json::array({app});
    size_t writes_before = plane.writes();
    FakeDocker idle;
    auto second = deploy::run_deploy(p.load(), &client, &idle, options(), {});
    REQUIRE_MESSAGE(second.ok(), second.error().message);
    CHECK(plane.writes() == writes_before);
    CHECK(idle.infos == 0);
    CHECK(idle.builds == 0);
    CHECK_FALSE(second->uploaded);
    CHECK(second->containers.at(0).action == "unchanged");

    SUBCASE("a changed build context is rebuilt and the application modified") {
        REQUIRE(write_file_atomic(p.dir + "/app/bin", "binary v2").ok());
        plane.s.on("PATCH", "/client/v4/accounts/" + k_acct + "/containers/applications/app-1",
                   {ScriptedResponse::envelope("{}")});
        plane.s.on("POST", "/client/v4/accounts/" + k_acct + "/containers/applications/app-1/rollouts",
                   {ScriptedResponse::envelope(R"({"id":"r-1"})")});
        auto third = deploy::run_deploy(p.load(), &client, &idle, options(), {});
        REQUIRE_MESSAGE(third.ok(), third.error().message);
        CHECK(idle.builds == 1);
        CHECK_FALSE(third->uploaded);
        CHECK(third->containers.at(0).action == "modified");
        CHECK(third->containers.at(0).rollout_id == "r-1");
        CHECK(plane.s.unexpected().empty());
    }
}

TEST_CASE("deploy: an image the registry already has is neither built nor pushed") {
    Project p;
    Plane plane;
    plane.registry_has = true;
    api::ApiClient client(plane.client_options());
    FakeDocker docker;
    auto r = deploy::run_deploy(p.load(), &client, &docker, options(), {});
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK(docker.builds == 0);
    CHECK(docker.pushes == 0);
    CHECK(ends_with(r->containers.at(0).image, "@sha256:" + std::string(64, 'b')));
    // HEAD went to the registry API with the manifest Accept header and Basic credentials
    bool head = false;
    for (const auto& req : plane.s.requests())
        if (req.method == "HEAD") {
            head = true;
            CHECK(req.header("accept").find("application/vnd.oci.image.manifest.v1+json") != std::string::npos);
            CHECK(starts_with(req.header("authorization"), "Basic "));
        }
    CHECK(head);
}

TEST_CASE("deploy: without docker nothing is uploaded, and the hint offers --containers-rollout none") {
    Project p;
    Plane plane;
    api::ApiClient client(plane.client_options());
    FakeDocker docker;
    docker.available = false;
    auto r = deploy::run_deploy(p.load(), &client, &docker, options(), {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Docker);
    CHECK(r.error().hint.find("--containers-rollout none") != std::string::npos);
    CHECK(plane.s.count("PUT", "/client/v4/accounts/" + k_acct + "/workers/scripts/web") == 0);

    auto o = options();
    o.rollout = deploy::RolloutMode::None;
    auto worker_only = deploy::run_deploy(p.load(), &client, &docker, o, {});
    REQUIRE(worker_only.ok());
    CHECK(worker_only->uploaded);
    CHECK(worker_only->containers.empty());
}

TEST_CASE("deploy: --dry-run sends nothing and writes the upload with secrets masked") {
    Project p;
    auto o = options();
    o.dry_run = true;
    o.outdir = p.dir + "/out";
    o.secrets["API_KEY"] = std::string("dry-run-secret-value");
    auto r = deploy::run_deploy(p.load(), nullptr, nullptr, o, {});
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    auto md = read_file(p.dir + "/out/metadata.json");
    auto body = read_file(p.dir + "/out/upload.multipart");
    REQUIRE(md.ok());
    REQUIRE(body.ok());
    CHECK(md->find("API_KEY") != std::string::npos);
    CHECK(md->find("dry-run-secret-value") == std::string::npos);
    CHECK(body->find("dry-run-secret-value") == std::string::npos);
    CHECK(r->to_json().dump().find("dry-run-secret-value") == std::string::npos);
    CHECK(r->containers.at(0).action == "dry-run");
}

TEST_CASE("image references: parsing and wrangler's name normalization") {
    auto r = images::parse_image_ref("127.0.0.1:5000/acct/app:v1@sha256:abc");
    CHECK(r.registry == "127.0.0.1:5000");
    CHECK(r.repository == "acct/app");
    CHECK(r.tag == "v1");
    CHECK(r.digest == "sha256:abc");
    CHECK(images::parse_image_ref("library/nginx:1").registry.empty());
    CHECK(images::parse_image_ref("localhost/app").registry == "localhost");
    const std::string m = "registry.cloudflare.com";
    CHECK(images::resolve_image_name("app:v1", m, k_acct).value() == m + "/" + k_acct + "/app:v1");
    CHECK(images::resolve_image_name(m + "/app:v1", m, k_acct).value() == m + "/" + k_acct + "/app:v1");
    CHECK(images::resolve_image_name(m + "/" + k_acct + "/app:v1", m, k_acct).value() == m + "/" + k_acct + "/app:v1");
    CHECK(images::resolve_image_name("docker.io/nginx:1", m, k_acct).value() == "docker.io/nginx:1");
    auto other = images::resolve_image_name(m + "/" + std::string(32, 'f') + "/app:v1", m, k_acct);
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().message.find("does not belong to your account") != std::string::npos);
    CHECK(images::registry_base_url("127.0.0.1:5000") == "http://127.0.0.1:5000");
    CHECK(images::registry_base_url("registry.cloudflare.com") == "https://registry.cloudflare.com");
}

TEST_CASE("the digest in docker push output") {
    std::string out =
        "The push refers to repository [x]\n7b69: Pushed\nv1: digest: sha256:" + std::string(64, 'c') + " size: 527\n";
    CHECK(images::push_digest_from_output(out) == "sha256:" + std::string(64, 'c'));
    CHECK(images::push_digest_from_output("digest: sha256:short size: 1").empty());
    CHECK(images::push_digest_from_output("").empty());
}

TEST_CASE("deploy: in a git repository the commit becomes image labels and upload annotations; flags override") {
    Project p;
    tenantctl::testing::git_commit_all(p.dir, "add the web app");
    Plane plane;
    api::ApiClient client(plane.client_options());
    FakeDocker docker;
    auto o = options();
    o.message.clear();
    o.version_tag.clear();
    auto r = deploy::run_deploy(p.load(), &client, &docker, o, {});
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    std::string revision = docker.last_build.labels.at("org.opencontainers.image.revision");
    CHECK(revision.size() == 40);  // the full sha, clean tree
    CHECK(docker.last_build.labels.at("tenantctl.git.subject") == "add the web app");
    std::string body;
    for (const auto& req : plane.s.requests())
        if (req.method == "PUT") body = req.body;
    CHECK(body.find("\"workers/message\":\"add the web app\"") != std::string::npos);
    CHECK(body.find("\"workers/tag\":\"" + revision.substr(0, 7) + "\"") != std::string::npos);

    // --message / --tag win over the commit; a modified tracked file marks the tree dirty
    REQUIRE(write_file_atomic(p.dir + "/src/index.js", "export default { fetch() { return new Response('y') } }").ok());
    Plane plane2;
    api::ApiClient client2(plane2.client_options());
    auto o2 = options();
    o2.message = "hotfix";
    o2.version_tag.clear();
    auto r2 = deploy::run_deploy(p.load(), &client2, &docker, o2, {});
    REQUIRE(r2.ok());
    for (const auto& req : plane2.s.requests())
        if (req.method == "PUT") body = req.body;
    CHECK(body.find("\"workers/message\":\"hotfix\"") != std::string::npos);
    CHECK(body.find("\"workers/tag\":\"" + revision.substr(0, 7) + "-dirty\"") != std::string::npos);
}

TEST_CASE("deploy's upload digest tag is not a tenant's own tag for tenants apply") {
    const std::string tag = std::string(workers::k_upload_tag_prefix) + "0123456789abcdef";
    CHECK(tenants::is_reserved_tag(tag, "tenantctl"));
    CHECK(tenants::user_tags_of({"customer-acme", tag, "plan-pro"}, "tenantctl") ==
          std::vector<std::string>{"customer-acme"});
}
