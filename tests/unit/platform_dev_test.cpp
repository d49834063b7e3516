// The DevPlatform behind `tenantctl dev` (lib/platform/dev.hpp): what it starts and reports, what it tells its
// caller when containers or workers cannot run, one platform per state directory, and what stop() removes.
#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>
#include <vector>

#include "core/fs.hpp"
#include "platform/dev.hpp"
#include "support/test_fs.hpp"

using namespace tenantctl;
using nlohmann::json;

namespace {

struct DevFixture {
    testing::TempDir dir{"tenantctl-devplatform"};
    Env env = Env::from_map({{"XDG_CONFIG_HOME", dir.str() + "/config"}, {"XDG_DATA_HOME", dir.str() + "/data"}});
    std::vector<std::string> warnings;

    platform::DevOptions options() const {
        platform::DevOptions o;
        o.listen = "127.0.0.1:0";
        o.cwd = dir.str();
        o.state_dir = "state";
        o.threads = 1;
        return o;
    }
    platform::DevEvents events() {
        platform::DevEvents ev;
        ev.warning = [this](const std::string& m, const std::string& hint) { warnings.push_back(m + "|" + hint); };
        return ev;
    }
    ~DevFixture() {
        // start() blocks SIGINT and SIGTERM for wait_for_signal; the rest of the test binary wants them back.
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    }
};

}  // namespace

TEST_CASE("dev platform: starts the API, writes the profile and dev.json, and removes dev.json when stopped") {
    DevFixture f;
    auto dev = platform::DevPlatform::start(f.env, f.options(), f.events());
    REQUIRE(dev.ok());
    const platform::DevReport& r = (*dev)->report();
    CHECK(r.state_dir == f.dir.str() + "/state");
    CHECK(r.api_url.rfind("http://127.0.0.1:", 0) == 0);
    CHECK(r.api_url == "http://127.0.0.1:" + std::to_string(r.port) + "/client/v4");
    CHECK(r.profile == f.dir.str() + "/config/tenantctl/profiles/local.json");
    CHECK_FALSE(r.containers);
    CHECK(r.registry.placeholder);
    CHECK_FALSE(r.workers);
    json j = r.to_json();
    CHECK(j["api_url"] == r.api_url);
    CHECK_FALSE(j.contains("router_url"));
    CHECK_FALSE(j.contains("workers_url"));
    CHECK(f.warnings.empty());
    CHECK(std::filesystem::exists(r.profile));
    CHECK(std::filesystem::exists(r.state_dir + "/dev.json"));

    auto second = platform::DevPlatform::start(f.env, f.options(), f.events());
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message.find("is in use by another tenantctl dev") != std::string::npos);
    CHECK(std::filesystem::exists(r.state_dir + "/dev.json"));  // a refused start leaves the running one's

    (*dev)->stop();
    CHECK_FALSE(std::filesystem::exists(r.state_dir + "/dev.json"));
}

TEST_CASE("dev platform: containers and workers that cannot run are warnings, or an error when required") {
    DevFixture f;
    auto o = f.options();
    int containers_started = 0;
    o.start_containers =
        [&](const platform::DevContainersOptions& co) -> Result<std::unique_ptr<platform::DevContainers>> {
        ++containers_started;
        CHECK(co.state_dir == f.dir.str() + "/state");
        CHECK(co.env != nullptr);
        return Error(ErrorKind::Docker, "no docker here");
    };
    o.start_workers = [](platform::Store&,
                         const platform::DevWorkersOptions& wo) -> Result<std::unique_ptr<platform::DevWorkers>> {
        CHECK(wo.port == 0);  // an ephemeral API gets ephemeral workers
        return std::unique_ptr<platform::DevWorkers>();
    };
    o.registry = "127.0.0.1:5999";
    {
        auto dev = platform::DevPlatform::start(f.env, o, f.events());
        REQUIRE(dev.ok());
        CHECK(containers_started == 1);
        CHECK((*dev)->report().registry.host == "127.0.0.1:5999");
        CHECK_FALSE((*dev)->report().registry.placeholder);
        REQUIRE(f.warnings.size() == 2);
        CHECK(f.warnings[0].rfind("containers are off: no docker here (", 0) == 0);
        CHECK(f.warnings[1].rfind("workers will not run: workerd was not found", 0) == 0);
        CHECK(f.warnings[1].find("|scripts/setup.sh installs it") != std::string::npos);
    }
    o.containers = true;
    auto required = platform::DevPlatform::start(f.env, o, f.events());
    REQUIRE_FALSE(required.ok());
    CHECK(required.error().message == "no docker here");
    o.no_containers = true;
    auto both = platform::DevPlatform::start(f.env, o, f.events());
    REQUIRE_FALSE(both.ok());
    CHECK(both.error().message == "--containers and --no-containers contradict each other");
    CHECK(containers_started == 2);
}
