// The `containers` commands' services (lib/deploy/container_images.hpp, container_apps.hpp): input is checked
// before the account is opened or a question asked, and what their reports put in --json (never a password).
#include <doctest/doctest.h>

#include "deploy/container_apps.hpp"
#include "deploy/container_images.hpp"
#include "deploy/versions.hpp"
#include "support/test_fs.hpp"

using namespace tenantctl;
using nlohmann::json;

namespace {

// An OpenAccount that counts its calls and fails (no request is ever sent).
struct CountingOpen {
    int calls = 0;
    deploy::OpenAccount fn() {
        return [this]() -> Result<deploy::AccountClient> {
            ++calls;
            return Error(ErrorKind::Auth, "no credentials in this test");
        };
    }
};

}  // namespace

TEST_CASE("containers services: usage errors come before the account is opened") {
    const Env env = Env::from_map({});
    CountingOpen open;
    int asked = 0;
    deploy::ConfirmFn confirm = [&](const std::string&) -> Status {
        ++asked;
        return {};
    };

    auto d = deploy::delete_registry_image(env, "my-app", confirm, open.fn());
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().kind == ErrorKind::Usage);
    CHECK(d.error().message == "image \"my-app\" has no tag");

    auto l = deploy::list_registry_images(env, "([", open.fn());
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().kind == ErrorKind::Usage);
    CHECK(l.error().message.rfind("--filter \"([\" is not a regular expression: ", 0) == 0);

    auto c = deploy::configure_registry({"docker.io/library", "", true}, open.fn());
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message == "registry domain \"docker.io/library\" is not a host name");
    auto p = deploy::configure_registry({"docker.io", "", false}, open.fn());
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().kind == ErrorKind::NotImplemented);

    testing::TempDir dir{"tenantctl-containers"};
    auto b = deploy::build_image(env, {"ctx", dir.str(), "my-app:v1", "", true}, open.fn(), {});
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().kind == ErrorKind::Input);
    CHECK(b.error().message == "there is no Dockerfile in \"ctx\"");

    CHECK(open.calls == 0);
    CHECK(asked == 0);
}

TEST_CASE("containers services: a declined question opens nothing; the account's error is the command's") {
    CountingOpen open;
    deploy::ConfirmFn refuse = [](const std::string& q) -> Status {
        CHECK(q == "delete container application \"web\"");
        return Error(ErrorKind::Refused, "not confirmed");
    };
    auto d = deploy::delete_application("web", refuse, open.fn());
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().kind == ErrorKind::Refused);
    CHECK(open.calls == 0);

    auto r = deploy::restart_application("web", "", open.fn());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Auth);
    CHECK(open.calls == 1);
}

TEST_CASE("containers services: report documents") {
    deploy::RegistryCredentialsReport cr;
    cr.credentials = {"registry.example", "v1", "secret-password"};
    cr.minutes = 15;
    cr.permissions = {"push", "pull"};
    json j = cr.to_json();
    CHECK(j["registry_host"] == "registry.example");
    CHECK(j["expiration_minutes"] == 15);
    CHECK(j.dump().find("secret-password") == std::string::npos);

    deploy::ImageBuildReport built{"my-app:v1", std::nullopt};
    CHECK(built.to_json() == json{{"ok", true}, {"image", "my-app:v1"}, {"pushed", false}});
    built.push = deploy::ImagePushReport{"r/a/my-app:v1", "sha256:ab", "r/a/my-app@sha256:ab"};
    CHECK(built.to_json()["pushed"] == true);
    CHECK(built.to_json()["pinned"] == "r/a/my-app@sha256:ab");

    deploy::ApplicationRestartReport one{"id1", "web", "inst1", ""};
    CHECK(one.to_json() == json{{"ok", true}, {"application_id", "id1"}, {"restarted", {"inst1"}}});
    deploy::ApplicationRestartReport all{"id1", "web", "", "ro1"};
    CHECK(all.to_json() == json{{"ok", true}, {"application_id", "id1"}, {"rollout_id", "ro1"}});

    CHECK(deploy::registry_images_json({}) == json::array());
    CHECK(deploy::managed_registry(Env::from_map({})) == "registry.cloudflare.com");
    CHECK(deploy::managed_registry(Env::from_map({{"CLOUDFLARE_CONTAINER_REGISTRY", "reg.test"}})) == "reg.test");
}

TEST_CASE("versions: the worker is --name, else the config's name") {
    CHECK(*deploy::versions_worker("a", "b") == "a");
    CHECK(*deploy::versions_worker("", "b") == "b");
    auto none = deploy::versions_worker("", "");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().kind == ErrorKind::Usage);
}
