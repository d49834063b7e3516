#include <doctest/doctest.h>

#include <filesystem>

#include "core/fs.hpp"
#include "core/process.hpp"
#include "core/strings.hpp"
#include "images/context.hpp"
#include "images/docker.hpp"
#include "images/git_info.hpp"

using namespace tenantctl;
using namespace tenantctl::images;

TEST_CASE("docker build argv: legacy builder vs buildx, args in order, Dockerfile on stdin") {
    DockerCli cli;
    BuildSpec spec;
    spec.context_dir = "/src/app";
    spec.tag = "app:abc";
    spec.build_args = {{"B", "2"}, {"A", "1"}};
    CHECK(join(build_argv(cli, DockerInfo{"20.10", false}, spec), " ") ==
          "docker build --platform linux/amd64 -t app:abc --build-arg B=2 --build-arg A=1 -f - /src/app");
    CHECK(join(build_argv(cli, DockerInfo{"28.2", true}, spec), " ") ==
          "docker buildx build --load --provenance=false --platform linux/amd64 -t app:abc --build-arg B=2 "
          "--build-arg A=1 -f - /src/app");
    CHECK(join(login_argv(cli, "127.0.0.1:5000", "u"), " ") ==
          "docker login --username u --password-stdin 127.0.0.1:5000");
}

TEST_CASE("TENANTCTL_DOCKER and --path-to-docker select the binary") {
    CHECK(DockerCli::from_env(Env::from_map({{"TENANTCTL_DOCKER", "/opt/podman"}})).binary == "/opt/podman");
    CHECK(DockerCli::from_env(Env::from_map({{"TENANTCTL_DOCKER", "/opt/podman"}}), "/x/docker").binary == "/x/docker");
    CHECK(DockerCli::from_env(Env::from_map({})).binary == "docker");
}

TEST_CASE("a missing docker CLI is one clear error with a hint") {
    DockerCli cli{"/nonexistent/docker"};
    auto r = check_docker(cli);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Docker);
    CHECK(r.error().message.find("/nonexistent/docker") != std::string::npos);
    CHECK_FALSE(r.error().hint.empty());
}

TEST_CASE("glob and .dockerignore semantics") {
    CHECK(glob_match("*.log", "a.log"));
    CHECK_FALSE(glob_match("*.log", "dir/a.log"));
    CHECK(glob_match("**/*.log", "dir/sub/a.log"));
    CHECK(glob_match("**/*.log", "a.log"));
    CHECK(glob_match("a?c", "abc"));
    CHECK(glob_match("[a-c]x", "bx"));
    CHECK_FALSE(glob_match("[a-c]x", "dx"));
    auto ig = DockerIgnore::parse("# comment\nnode_modules\n/tmp/*\n*.md\n!README.md\n");
    CHECK(ig.excluded("node_modules/x/y.js"));
    CHECK(ig.excluded("tmp/a"));
    CHECK(ig.excluded("CHANGES.md"));
    CHECK_FALSE(ig.excluded("README.md"));
    CHECK_FALSE(ig.excluded("src/main.c"));
}

TEST_CASE("context digest changes with content, args and platform but not with ignored files") {
    auto dir = std::filesystem::temp_directory_path() / ("tc-ctx-" + random_hex(4));
    std::string d = dir.string();
    REQUIRE(write_file_atomic(d + "/main.c", "int main(){}").ok());
    REQUIRE(write_file_atomic(d + "/.dockerignore", "*.log\n").ok());
    ContextInput in{"FROM scratch\n", d, {}, "linux/amd64"};
    auto a = digest_context(in);
    REQUIRE(a.ok());
    REQUIRE(write_file_atomic(d + "/debug.log", "noise").ok());
    CHECK(digest_context(in)->digest == a->digest);  // ignored file
    REQUIRE(write_file_atomic(d + "/main.c", "int main(){return 1;}").ok());
    auto b = digest_context(in);
    CHECK(b->digest != a->digest);
    in.build_args = {{"V", "1"}};
    CHECK(digest_context(in)->digest != b->digest);
    CHECK(a->short_tag().size() == 16);
    std::filesystem::remove_all(dir);
}

TEST_CASE("git info: commit, subject and dirty flag through libgit2") {
    auto dir = std::filesystem::temp_directory_path() / ("tc-git-" + random_hex(4));
    std::string d = dir.string();
    CHECK_FALSE(read_git_info(d).has_value());
    REQUIRE(write_file_atomic(d + "/a.txt", "one").ok());
    ProcessOptions o;
    o.cwd = d;
    o.env_set = {{"GIT_AUTHOR_NAME", "t"},
                 {"GIT_AUTHOR_EMAIL", "t@example.com"},
                 {"GIT_COMMITTER_NAME", "t"},
                 {"GIT_COMMITTER_EMAIL", "t@example.com"}};
    REQUIRE(run_process({"git", "init", "-q"}, o)->exit_code == 0);
    REQUIRE(run_process({"git", "add", "a.txt"}, o)->exit_code == 0);
    REQUIRE(run_process({"git", "commit", "-q", "-m", "first commit\n\nbody"}, o)->exit_code == 0);
    auto info = read_git_info(d + "/");
    REQUIRE(info.has_value());
    CHECK(info->short_commit.size() == 7);
    CHECK(info->subject == "first commit");
    CHECK_FALSE(info->dirty);
    REQUIRE(write_file_atomic(d + "/a.txt", "two").ok());
    CHECK(read_git_info(d)->dirty);
    std::filesystem::remove_all(dir);
}
