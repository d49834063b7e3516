// lib/bundle without esbuild: the service protocol's codec, wrangler's glob-to-regex, the nodejs_compat mode,
// SHA-1, and esbuild discovery. Bundling itself is run with the real esbuild and workerd in
// tests/integration/bundle_workerd.sh.
#include <doctest/doctest.h>

#include <regex>

#include "bundle/bundle.hpp"
#include "bundle/esbuild.hpp"
#include "core/fs.hpp"
#include "core/sha1.hpp"
#include "support/test_fs.hpp"

using namespace tenantctl;
using namespace tenantctl::bundle;
using nlohmann::json;

TEST_CASE("esbuild protocol: packets round-trip, and the wire format is esbuild's") {
    json v = {{"command", "build"},
              {"key", 7},
              {"flags", json::array({"--bundle", "--format=esm"})},
              {"write", false},
              {"stdinContents", nullptr},
              {"bytes", json::binary({0, 1, 2, 255})},
              {"negative", -2}};
    std::string packet = encode_packet(5, true, v);
    // length prefix (little endian) = the rest
    uint32_t len = static_cast<uint8_t>(packet[0]) | static_cast<uint8_t>(packet[1]) << 8 |
                   static_cast<uint8_t>(packet[2]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(packet[3])) << 24;
    CHECK(len == packet.size() - 4);
    CHECK(static_cast<uint8_t>(packet[4]) == 10);  // id 5 << 1, request bit clear
    auto back = decode_packet(std::string_view(packet).substr(4));
    REQUIRE(back.ok());
    CHECK(back->is_request);
    CHECK(back->id == 5);
    CHECK(back->value == v);

    auto resp = decode_packet(std::string_view(encode_packet(3, false, json::object())).substr(4));
    REQUIRE(resp.ok());
    CHECK_FALSE(resp->is_request);
    CHECK(resp->id == 3);

    // A string is type 3 with a 4-byte length: "hi" -> 03 02 00 00 00 'h' 'i'
    std::string s = encode_packet(0, true, "hi").substr(8);
    CHECK(s == std::string("\x03\x02\x00\x00\x00hi", 7));
}

TEST_CASE("esbuild protocol: truncated, trailing or deeply nested packets are refused") {
    std::string p = encode_packet(1, false, json{{"a", json::array({1, 2, 3})}}).substr(4);
    CHECK_FALSE(decode_packet(std::string_view(p).substr(0, p.size() - 1)).ok());
    CHECK_FALSE(decode_packet(p + "x").ok());
    CHECK_FALSE(decode_packet(std::string("\x00\x00\x00\x00\x09", 5)).ok());  // unknown type
    std::string deep = std::string(4, '\0');
    for (int i = 0; i < 100; ++i) deep += std::string("\x05\x01\x00\x00\x00", 5);
    deep += '\0';
    CHECK_FALSE(decode_packet(deep).ok());
    std::string huge = std::string(4, '\0') + std::string("\x03\xff\xff\xff\x7f", 5);  // 2 GB string, 0 bytes
    CHECK_FALSE(decode_packet(huge).ok());
}

TEST_CASE("module globs become the regular expressions wrangler uses") {
    // Import specifiers (esbuild's filter): * matches anything, '/' included; '?' is literal.
    auto spec = [](const char* glob, const char* path) {
        return std::regex_search(path, std::regex(glob_to_regex(glob, false)));
    };
    CHECK(spec("**/*.txt", "./hello.txt"));
    CHECK(spec("**/*.txt", "../a/b/hello.txt"));
    CHECK_FALSE(spec("**/*.txt", "hello.txt"));  // wrangler's default rules need a '/'
    CHECK_FALSE(spec("**/*.txt", "./hello.txt.js"));
    CHECK(spec("**/*.wasm?module", "./x.wasm?module"));
    CHECK_FALSE(spec("**/*.wasm?module", "./x.wasmXmodule"));
    // File paths (find_additional_modules): globstar.
    auto file = [](const char* glob, const char* path) {
        return std::regex_search(path, std::regex(glob_to_regex(glob, true)));
    };
    CHECK(file("**/*.js", "en.js"));
    CHECK(file("**/*.js", "lang/en.js"));
    CHECK(file("lang/*.js", "lang/en.js"));
    CHECK_FALSE(file("lang/*.js", "lang/sub/en.js"));
    CHECK_FALSE(file("lang/*.js", "other/en.js"));
    CHECK(file("a.(x)+", "a.(x)+"));  // regex characters are literal
    CHECK_FALSE(file("a.(x)+", "abx"));
}

TEST_CASE("nodejs_compat mode from the compatibility date and flags, as wrangler decides") {
    CHECK(node_compat_mode("2026-01-01", {}) == NodeCompat::None);
    CHECK(node_compat_mode("2026-01-01", {"nodejs_compat"}) == NodeCompat::V2);
    CHECK(node_compat_mode("2024-09-22", {"nodejs_compat"}) == NodeCompat::V1);
    CHECK(node_compat_mode("2024-09-23", {"nodejs_compat"}) == NodeCompat::V2);
    CHECK(node_compat_mode("2024-01-01", {"nodejs_compat_v2"}) == NodeCompat::V2);
    CHECK(node_compat_mode("2026-01-01", {"nodejs_compat", "no_nodejs_compat_v2"}) == NodeCompat::V1);
    CHECK(node_compat_mode("2026-01-01", {"nodejs_als"}) == NodeCompat::Als);
}

TEST_CASE("sha1_hex matches FIPS 180 test vectors (module names are SHA-1 of the content)") {
    CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    CHECK(sha1_hex("hello from a text module\n") == "feb83e4c91e98d74df6e1385cfce05924343eaff");  // wrangler's name
}

TEST_CASE("esbuild discovery: project node_modules, then TENANTCTL_ESBUILD, then PATH; clear errors") {
    testing::TempDir d("tc-esbuild");
    std::string fake = d.write("bin/esbuild", "#!/bin/sh\necho 0.28.2\n");
    std::string old = d.write("old/esbuild", "#!/bin/sh\necho 0.14.1\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    std::filesystem::permissions(old, std::filesystem::perms::owner_all);
    std::string project = d.str() + "/project/sub";
    REQUIRE(make_dirs(project).ok());

    auto none = find_esbuild(project, Env::from_map({{"PATH", "/nonexistent"}}));
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("esbuild was not found") != std::string::npos);
    CHECK(none.error().hint.find("npm install --save-dev esbuild") != std::string::npos);

    auto on_path = find_esbuild(project, Env::from_map({{"PATH", d.str() + "/bin"}}));
    REQUIRE(on_path.ok());
    CHECK(on_path->source == "PATH");
    CHECK(on_path->version == "0.28.2");

    auto too_old = find_esbuild(project, Env::from_map({{"TENANTCTL_ESBUILD", old}, {"PATH", d.str() + "/bin"}}));
    REQUIRE_FALSE(too_old.ok());
    CHECK(too_old.error().message.find("esbuild 0.14.1") != std::string::npos);
    CHECK(too_old.error().message.find("too old") != std::string::npos);

    auto bad_env = find_esbuild(project, Env::from_map({{"TENANTCTL_ESBUILD", d.str() + "/nope"}}));
    REQUIRE_FALSE(bad_env.ok());
    CHECK(bad_env.error().message.find("TENANTCTL_ESBUILD=") != std::string::npos);

    // The project's own node_modules wins, found from a subfolder upwards.
    std::string local = d.write("project/node_modules/@esbuild/linux-x64/bin/esbuild", "#!/bin/sh\necho 0.27.0\n");
    std::filesystem::permissions(local, std::filesystem::perms::owner_all);
    auto from_project = find_esbuild(project, Env::from_map({{"TENANTCTL_ESBUILD", fake}, {"PATH", ""}}));
    REQUIRE(from_project.ok());
    CHECK(from_project->source == "node_modules");
    CHECK(from_project->version == "0.27.0");
}

TEST_CASE("wants_bundle: not with no_bundle, not for Python") {
    CHECK(wants_bundle(config::worker_config(json{{"main", "src/index.ts"}})));
    CHECK_FALSE(wants_bundle(config::worker_config(json{{"main", "src/index.ts"}, {"no_bundle", true}})));
    CHECK_FALSE(wants_bundle(config::worker_config(json{{"main", "src/entry.py"}})));
}

TEST_CASE("the custom build runs through sh -c in build.cwd; a failure carries its last lines") {
    testing::TempDir d("tc-build");
    REQUIRE(make_dirs(d.str() + "/sub").ok());
    std::string seen;
    json ok = {{"build", {{"command", "pwd; echo made > out.txt"}, {"cwd", "sub"}}}};
    REQUIRE(
        run_custom_build(config::worker_config(ok).build, d.str(), [&](std::string_view s) { seen.append(s); }).ok());
    CHECK(file_exists(d.str() + "/sub/out.txt"));
    CHECK(seen.find("/sub") != std::string::npos);
    json failing = {{"build", {{"command", "echo step one; echo it broke >&2; exit 4"}}}};
    auto r = run_custom_build(config::worker_config(failing).build, d.str(), {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("exit 4") != std::string::npos);
    CHECK(r.error().message.find("it broke") != std::string::npos);
    CHECK(run_custom_build(config::BuildConfig{}, d.str(), {}).ok());  // no command, nothing to do
}
