// Container output: the Docker daemon's timestamped log answers, its `since` form, and the follow loop's
// de-duplication at a page boundary.
#include <doctest/doctest.h>

#include "observe/container_logs.hpp"
#include "router/driver.hpp"

using namespace tenantctl;
using nlohmann::json;

namespace {
std::string frame(char stream, const std::string& payload) {
    std::string h(8, '\0');
    h[0] = stream;
    uint32_t n = static_cast<uint32_t>(payload.size());
    h[4] = static_cast<char>(n >> 24);
    h[5] = static_cast<char>(n >> 16);
    h[6] = static_cast<char>(n >> 8);
    h[7] = static_cast<char>(n);
    return h + payload;
}
}  // namespace

TEST_CASE("docker log lines: multiplexed frames keep their stream and time") {
    std::string raw = frame(1, "2026-12-06T10:00:00.000000001Z hello world\n") +
                      frame(2, "2026-12-06T10:00:00.5Z oops\n") +
                      frame(1, "2026-12-06T10:00:01Z a\n2026-12-06T10:00:01Z b\n");
    auto lines = router::parse_docker_log_lines(raw);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].time == "2026-12-06T10:00:00.000000001Z");
    CHECK(lines[0].stream == "stdout");
    CHECK(lines[0].text == "hello world");
    CHECK(lines[1].stream == "stderr");
    CHECK(lines[1].text == "oops");
    CHECK(lines[3].text == "b");
}

TEST_CASE("docker log lines: a cut-off frame or line is dropped, a TTY's plain text is stdout") {
    std::string whole = frame(1, "2026-12-06T10:00:00Z one\n");
    std::string cut = frame(1, "2026-12-06T10:00:01Z two\n").substr(0, 12);
    auto lines = router::parse_docker_log_lines(whole + cut);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].text == "one");
    auto tty = router::parse_docker_log_lines("2026-12-06T10:00:00Z x\r\n2026-12-06T10:00:02Z partial");
    REQUIRE(tty.size() == 1);
    CHECK(tty[0].stream == "stdout");
    CHECK(tty[0].text == "x");
    CHECK(router::parse_docker_log_lines("").empty());
}

TEST_CASE("docker time argument: RFC 3339 to SECONDS.NANOS") {
    CHECK(router::docker_time_arg("1970-01-01T00:00:10Z") == "10.000000000");
    CHECK(router::docker_time_arg("2026-12-06T10:00:00.5Z") == "1796551200.500000000");
    CHECK(router::docker_time_arg("2026-12-06T10:00:00.123456789123Z") == "1796551200.123456789");
    CHECK(router::docker_time_arg("2026-12-06T12:00:00+02:00") == "1796551200.000000000");
    CHECK_FALSE(router::docker_time_arg("yesterday"));
    CHECK_FALSE(router::docker_time_arg("2026-12-06T10:00:00"));
    CHECK_FALSE(router::docker_time_arg("2026-13-06T10:00:00Z"));
    CHECK_FALSE(router::docker_time_arg("2026-12-06T10:00:00.Z"));
}

TEST_CASE("follow: a page asked from the last time skips only the lines already printed at that time") {
    json page = json::array({{{"time", "T1"}, {"stream", "stdout"}, {"message", "a"}},
                             {{"time", "T1"}, {"stream", "stdout"}, {"message", "b"}},
                             {{"time", "T1"}, {"stream", "stdout"}, {"message", "a"}},
                             {{"time", "T2"}, {"stream", "stderr"}, {"message", "c"}}});
    // "a" was printed once at T1: the first "a" is skipped, the second (a distinct line at the same time) is not.
    auto out = observe::new_lines(page, "T1", {"stdout\na"});
    REQUIRE(out.size() == 3);
    CHECK(out[0]["message"] == "b");
    CHECK(out[1]["message"] == "a");
    CHECK(out[2]["message"] == "c");
    CHECK(observe::new_lines(page, "", {}).size() == 4);
    CHECK(observe::new_lines(json::object(), "T1", {}).empty());
}

TEST_CASE("--since: a duration back from now, or an RFC 3339 time as given") {
    CHECK(observe::since_time("10m", 1000000).value() == "1970-01-12T13:36:40Z");
    CHECK(observe::since_time("2026-12-06T10:00:00Z", 0).value() == "2026-12-06T10:00:00Z");
    auto bad = observe::since_time("yesterday", 0);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::Usage);
    CHECK(bad.error().message.find("yesterday") != std::string::npos);
}
