#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/fs.hpp"
#include "core/strings.hpp"
#include "workers/assets.hpp"

using namespace tenantctl;
using namespace tenantctl::workers;
namespace fs = std::filesystem;

namespace {

void put(const std::string& root, const std::string& rel, const std::string& content) {
    fs::path p = fs::path(root) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
}

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = char(i % 251);
    return s;
}

// The tree wrangler 4.164 was run on (`wrangler deploy` against a recording server); `expected` below is the
// manifest it sent to the upload session, sorted by key.
void make_oracle_tree(const std::string& root) {
    put(root, "index.html", "<!doctype html><title>hi</title>\n");
    put(root, "css/site.css", "body{color:red}\n");
    put(root, "nested/deep/a.b.js", "console.log(1)\n");
    put(root, "noext", "no extension");
    put(root, ".hidden", "hidden");
    put(root, "_headers", "/*\n  X-Test: 1\n");
    put(root, "_redirects", "/old /new 301\n");
    put(root, "sub/_headers", "sub headers");
    put(root, "sub/_redirects", "sub redirects");
    put(root, "secret/key.txt", "secret");
    put(root, "app.js.map", "map");
    put(root, "UPPER.MAP", "MAP");
    put(root, "keep.map", "keep");
    put(root, "h\xC3\xA9llo w\xC3\xB6rld.txt", "space");
    put(root, "a%20b.txt", "pct");
    put(root, "empty.txt", "");
    put(root, "archive.tar.gz", "tar");
    put(root, "trailingdot.", "dotext");
    put(root, "linkdir_target/t.txt", "target");
    fs::create_symlink("index.html", fs::path(root) / "link.html");
    fs::create_directory_symlink("linkdir_target", fs::path(root) / "linkdir");
    put(root, "_worker.js", "worker");
    put(root, ".well-known-x", "dot");
    put(root, ".dotdir/f.txt", "dd");
    put(root, ".assetsignore", "# comment\n*.map\n!keep.map\nsecret/\nIGNORE-ME.txt\n");
    put(root, "ignore-me.TXT", "case");
}

struct Expected {
    const char* key;
    const char* hash;
    uint64_t size;
};

const Expected oracle_manifest[] = {
    {"/.dotdir/f.txt", "c8c4655fd1ebf1418f682036b8702765", 2},
    {"/.hidden", "8f85e73b9850b028e70614f2fbe60d32", 6},
    {"/.well-known-x", "0da4912561b82a0631787c13300e675d", 3},
    {"/_worker.js", "0042ac8d5d1dc08d714bd4ec96cf9f18", 6},
    {"/a%20b.txt", "e7361c2ed6334d48dbd99fdcb64dc959", 3},
    {"/archive.tar.gz", "b0aa670afff55bb796c5e4581ef06ca2", 3},
    {"/css/site.css", "43e456f8a22e2fbfa26f90b6fd5ee9aa", 16},
    {"/empty.txt", "f9bc91770fa5e997cbd47fba833629fc", 0},
    {"/h\xC3\xA9llo w\xC3\xB6rld.txt", "3eba7de39b6bf3beda476ccc11e7a8f0", 5},
    {"/index.html", "e3a2cd205584cfc20280d8e533137ac7", 33},
    {"/keep.map", "4f7e28ff939faf1baa14e26b35df0812", 4},
    {"/link.html", "e3a2cd205584cfc20280d8e533137ac7", 33},
    {"/linkdir/t.txt", "7e50177ae2ea1e01961deea7afedccac", 6},
    {"/linkdir_target/t.txt", "7e50177ae2ea1e01961deea7afedccac", 6},
    {"/nested/deep/a.b.js", "f9ad670347ab4f7d8c17966a6b9b5081", 15},
    {"/noext", "97597538a97c7df516c2fbd3174048d9", 12},
    {"/sub/_headers", "6ab652c5d696c8711c114f64c6328480", 11},
    {"/sub/_redirects", "35ba91f77582f2a67109711a570c0112", 13},
    {"/trailingdot.", "d77cfe95c320b38ec0a07567357a0ced", 6},
};

}  // namespace

TEST_CASE("assets: the manifest is the one wrangler 4.164 sends for the same tree") {
    PrivateTempDir tmp("assets-test");
    REQUIRE_FALSE(tmp.path().empty());
    std::string root = tmp.path() + "/public";
    make_oracle_tree(root);

    auto m = build_asset_manifest(root);
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
    CHECK(m->has_ignore_file);
    REQUIRE(m->entries.size() == std::size(oracle_manifest));
    for (size_t i = 0; i < m->entries.size(); ++i) {
        const auto& e = m->entries[i];
        CAPTURE(e.key);
        CHECK(e.key == oracle_manifest[i].key);
        CHECK(e.hash == oracle_manifest[i].hash);
        CHECK(e.size == oracle_manifest[i].size);
        CHECK(e.file_path == m->directory + e.key);
    }
    std::string json = asset_manifest_json(*m);
    CHECK(starts_with(json,
                      "{\"manifest\":{\"/.dotdir/f.txt\":{\"hash\":\"c8c4655fd1ebf1418f682036b8702765\",\"size\":2},"));
    CHECK(ends_with(json, "\"/trailingdot.\":{\"hash\":\"d77cfe95c320b38ec0a07567357a0ced\",\"size\":6}}}"));
    auto parsed = nlohmann::json::parse(json);
    CHECK(parsed["manifest"]["/h\xC3\xA9llo w\xC3\xB6rld.txt"]["size"] == 5);
    CHECK(json.find("h\xC3\xA9llo") != std::string::npos);  // UTF-8 as is, like JSON.stringify
}

TEST_CASE("assets: hashFile — base64 of the content plus the extension as Node's path.extname gives it") {
    // Expected values from wrangler's hashFile logic run with blake3-wasm 2.1.5 in node.
    CHECK(asset_hash("MAP", "/d/UPPER.MAP") == "b6fde11cf999d81fbcd74637ee2d1e2c");
    CHECK(asset_hash("x", "/d/..foo") == "30008822b96a568474c66145bb77780e");
    CHECK(asset_hash("worker", "/d/_worker.js") == "0042ac8d5d1dc08d714bd4ec96cf9f18");
    CHECK(asset_hash(pattern(100000), "/d/big.bin") == "6ef56ccde46e6ff65fb7123d8c252e9f");
    CHECK(asset_extension("/d/a.b.js") == "js");
    CHECK(asset_extension("/d/UPPER.MAP") == "MAP");
    CHECK(asset_extension("/d/.hidden") == "");
    CHECK(asset_extension("/d/noext") == "");
    CHECK(asset_extension("/d/trailing.") == "");
    CHECK(asset_extension("/d/..foo") == "foo");
    CHECK(asset_extension("/d.x/noext") == "");
}

TEST_CASE("assets: 25 MiB is allowed, one byte more is refused with the file and the limit named") {
    PrivateTempDir tmp("assets-test");
    REQUIRE_FALSE(tmp.path().empty());
    std::string root = tmp.path() + "/public";
    put(root, "zeros25.bin", "");
    fs::resize_file(fs::path(root) / "zeros25.bin", max_asset_size);  // sparse
    auto ok = build_asset_manifest(root);
    REQUIRE(ok.ok());
    REQUIRE(ok->entries.size() == 1);
    CHECK(ok->entries[0].size == 25u * 1024 * 1024);
    CHECK(ok->entries[0].hash == "10798f851011e952f387797c2253f28b");  // hashFile of 25 MiB of zeros

    put(root, "deep/huge.bin", "");
    fs::resize_file(fs::path(root) / "deep/huge.bin", max_asset_size + 1);
    auto r = build_asset_manifest(root);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Input);
    CHECK(r.error().message.find(root + "/deep/huge.bin") != std::string::npos);
    CHECK(r.error().message.find("25 MiB") != std::string::npos);
    CHECK(r.error().message.find("26,214,401 bytes") != std::string::npos);
    CHECK(r.error().message.find("26,214,400 bytes") != std::string::npos);
    CHECK(starts_with(r.error().message, "asset too large"));

    // An ignored file is never measured.
    put(root, ".assetsignore", "*.bin\n");
    auto ignored = build_asset_manifest(root);
    REQUIRE(ignored.ok());
    CHECK(ignored->entries.empty());
}

TEST_CASE("assets: the number of files is capped") {
    PrivateTempDir tmp("assets-test");
    REQUIRE_FALSE(tmp.path().empty());
    for (int i = 0; i < 4; ++i) put(tmp.path(), "f" + std::to_string(i) + ".txt", "x");
    CHECK(max_asset_count == 100000);
    AssetLimits limits;
    limits.max_count = 4;
    CHECK(build_asset_manifest(tmp.path(), limits).ok());
    limits.max_count = 3;
    auto r = build_asset_manifest(tmp.path(), limits);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("maximum number of assets exceeded") != std::string::npos);
    CHECK(r.error().message.find("up to 3 assets") != std::string::npos);
    CHECK(r.error().message.find(tmp.path()) != std::string::npos);
}

TEST_CASE("assets: _worker.js without an .assetsignore is an error; with one (even empty) it is an asset") {
    PrivateTempDir tmp("assets-test");
    REQUIRE_FALSE(tmp.path().empty());
    put(tmp.path(), "index.html", "hi");
    put(tmp.path(), "_worker.js/index.js", "x");
    auto r = build_asset_manifest(tmp.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("_worker.js directory") != std::string::npos);
    CHECK(r.error().hint.find(".assetsignore") != std::string::npos);

    put(tmp.path(), ".assetsignore", "");
    auto ok = build_asset_manifest(tmp.path());
    REQUIRE(ok.ok());
    REQUIRE(ok->entries.size() == 2);
    CHECK(ok->entries[0].key == "/_worker.js/index.js");
    put(tmp.path(), ".assetsignore", "_worker.js\n");
    auto ignored = build_asset_manifest(tmp.path());
    REQUIRE(ignored.ok());
    CHECK(ignored->entries.size() == 1);

    PrivateTempDir tmp2("assets-test");
    put(tmp2.path(), "_worker.jsx", "x");  // wrangler's check is a prefix test
    auto jsx = build_asset_manifest(tmp2.path());
    REQUIRE_FALSE(jsx.ok());
    CHECK(jsx.error().message.find("_worker.js directory") != std::string::npos);
}

TEST_CASE("assets: errors for a missing directory, a dangling link and a bad .assetsignore") {
    PrivateTempDir tmp("assets-test");
    REQUIRE_FALSE(tmp.path().empty());
    CHECK_FALSE(build_asset_manifest(tmp.path() + "/nope").ok());

    put(tmp.path(), "a.txt", "a");
    fs::create_symlink("missing.txt", fs::path(tmp.path()) / "dangling.txt");
    auto r = build_asset_manifest(tmp.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("dangling.txt") != std::string::npos);
    put(tmp.path(), ".assetsignore", "dangling.txt\n");
    CHECK(build_asset_manifest(tmp.path()).ok());

    put(tmp.path(), ".assetsignore", std::string("a\0b\n", 4));
    auto nul = build_asset_manifest(tmp.path());
    REQUIRE_FALSE(nul.ok());
    CHECK(nul.error().message.find(".assetsignore") != std::string::npos);
    put(tmp.path(), ".assetsignore", "\xff\xfe\n");
    CHECK_FALSE(build_asset_manifest(tmp.path()).ok());

    // A directory link back into its own ancestry is not followed again.
    PrivateTempDir loop("assets-test");
    put(loop.path(), "d/f.txt", "f");
    fs::create_directory_symlink("..", fs::path(loop.path()) / "d/up");
    auto l = build_asset_manifest(loop.path());
    REQUIRE(l.ok());
    REQUIRE(l->entries.size() == 1);
    CHECK(l->entries[0].key == "/d/f.txt");
}

TEST_CASE("assets: .assetsignore rules as the npm package `ignore` 5.3.1 applies them") {
    // Expected answers computed with the `ignore` module bundled in wrangler 4.164.
    auto ig = [](std::vector<std::string> patterns) {
        AssetsIgnore i;
        for (const auto& p : patterns) i.add(p);
        return i;
    };
    auto a = ig({"*.txt", "!b/", "b/a.txt"});
    CHECK(a.ignored("a.txt"));
    CHECK(a.ignored("A.TXT"));  // case-insensitive
    CHECK(a.ignored("b/a.txt"));
    CHECK(a.ignored("b/c/a.txt"));
    CHECK_FALSE(a.ignored("foo"));

    auto dir = ig({"b/", "!b/a.txt"});  // no re-including below an ignored directory
    CHECK(dir.ignored("b/a.txt"));
    CHECK_FALSE(dir.ignored("b"));  // a file named b: "b/" matches directories only
    CHECK(dir.ignored("x/b/y"));

    auto anchored = ig({"/b/c"});
    CHECK(anchored.ignored("b/c"));
    CHECK(anchored.ignored("b/c/a.txt"));
    CHECK_FALSE(anchored.ignored("x/b/c"));
    auto inner = ig({"foo/bar"});  // an inner "/" anchors too
    CHECK(inner.ignored("foo/bar/baz.js"));
    CHECK_FALSE(inner.ignored("x/foo/bar"));

    auto globstar = ig({"a/**/d"});
    CHECK(globstar.ignored("a/b/c/d"));
    CHECK_FALSE(globstar.ignored("a/b"));
    auto leading = ig({"**/foo"});
    CHECK(leading.ignored("x/foo"));
    CHECK(leading.ignored("foo"));
    auto trailing = ig({"foo/**"});
    CHECK(trailing.ignored("foo/bar"));
    CHECK_FALSE(trailing.ignored("foo"));
    auto trailing_dir = ig({"b/**/"});  // matches b itself
    CHECK(trailing_dir.ignored("b/a.txt"));

    auto q = ig({"q?.txt"});
    CHECK(q.ignored("qq.txt"));
    CHECK_FALSE(q.ignored("q.txt"));
    auto cls = ig({"file[0-9].txt"});
    CHECK(cls.ignored("file1.txt"));
    CHECK_FALSE(cls.ignored("fileb.txt"));
    CHECK_FALSE(ig({"file[!a].txt"}).ignored("fileb.txt"));  // "[!...]" is no negation in `ignore`
    CHECK_FALSE(ig({"file[1.txt"}).ignored("file[1.txt"));   // an unclosed class matches nothing

    CHECK(ig({"name\\ with\\ space"}).ignored("name with space"));
    CHECK(ig({"name with space   "}).ignored("name with space"));
    CHECK(ig({"*.txt\r"}).ignored("a.txt"));  // CRLF files: the "\r" is trailing space
    CHECK_FALSE(ig({"foo\\"}).ignored("foo"));
    CHECK(ig({"\\!important"}).ignored("!important"));
    CHECK(ig({"\\#hash"}).ignored("#hash"));
    CHECK_FALSE(ig({"#hash"}).ignored("#hash"));
    CHECK(ig({"\\*"}).ignored("anything"));  // `ignore` quirk: a trailing "\*" is a wildcard
    CHECK_FALSE(ig({"\\?"}).ignored("?"));   // `ignore` quirk: "\?" matches nothing
    CHECK_FALSE(ig({"/"}).ignored("a"));
    CHECK(ig({"!"}).ignored("a") == false);

    // The defaults: the three root files only.
    PrivateTempDir tmp("assets-test");
    auto d = assets_ignore_for(tmp.path());
    REQUIRE(d.ok());
    CHECK(d->ignored(".assetsignore"));
    CHECK(d->ignored("_headers"));
    CHECK(d->ignored("_REDIRECTS"));
    CHECK_FALSE(d->ignored("sub/_headers"));
}

TEST_CASE("assets: upload parts, content types and the session jwt") {
    PrivateTempDir tmp("assets-test");
    REQUIRE_FALSE(tmp.path().empty());
    put(tmp.path(), "index.html", "<p>hi</p>");
    put(tmp.path(), "noext", "no extension");
    put(tmp.path(), "copy.html", "<p>hi</p>");
    auto m = build_asset_manifest(tmp.path());
    REQUIRE(m.ok());
    const AssetEntry* noext = m->find_by_hash(m->entries[2].hash);
    REQUIRE(noext != nullptr);
    CHECK(noext->key == "/noext");
    auto parts = asset_upload_parts(*m, {m->entries[2].hash, m->entries[1].hash});
    REQUIRE(parts.ok());
    REQUIRE(parts->size() == 2);
    CHECK((*parts)[0].name == m->entries[2].hash);
    CHECK((*parts)[0].filename == m->entries[2].hash);
    CHECK((*parts)[0].content_type == "application/null");
    CHECK((*parts)[0].data == "bm8gZXh0ZW5zaW9u");  // as wrangler sent it for the same file
    CHECK((*parts)[1].content_type == "text/html; charset=utf-8");
    CHECK((*parts)[1].data == base64_encode("<p>hi</p>"));
    auto missing = asset_upload_parts(*m, {"00000000000000000000000000000000"});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("does not appear to exist") != std::string::npos);

    // The `mime` 4.0.7 types wrangler bundles (values from its getType), with wrangler's charset rule.
    const std::pair<const char*, const char*> types[] = {
        {"/d/index.html", "text/html; charset=utf-8"},
        {"/d/a.css", "text/css; charset=utf-8"},
        {"/d/x.js", "text/javascript; charset=utf-8"},
        {"/d/x.mjs", "text/javascript; charset=utf-8"},
        {"/d/a.json", "application/json"},
        {"/d/a.map", "application/json"},
        {"/d/a.svg", "image/svg+xml"},
        {"/d/a.png", "image/png"},
        {"/d/a.woff2", "font/woff2"},
        {"/d/a.wasm", "application/wasm"},
        {"/d/a.txt", "text/plain; charset=utf-8"},
        {"/d/noext", "application/null"},
        {"/d/.hidden", "application/null"},
        {"/d/trailing.", "application/null"},
        {"/d/archive.tar.gz", "application/gzip"},
        {"/d/UPPER.MAP", "application/json"},
        {"/d/a.webmanifest", "application/manifest+json"},
        {"/d/a.xml", "application/xml"},
        {"/d/a.md", "text/markdown; charset=utf-8"},
        {"/d/a.csv", "text/csv; charset=utf-8"},
        {"/d/a.ico", "image/vnd.microsoft.icon"},
        {"/d/a.avif", "image/avif"},
        {"/d/a.mp4", "video/mp4"},
        {"/d/a.JPG", "image/jpeg"},
        {"/d/a.b.htm", "text/html; charset=utf-8"},
        {"/d/..foo", "application/null"},
    };
    for (const auto& [path, type] : types) {
        CAPTURE(path);
        CHECK(asset_content_type(path) == type);
    }

    // {"alg":"none"}.{"wrangler_single_asset_uploads":true,"edge_kv_upload_concurrency":"8"}.sig, base64url
    std::string single =
        "eyJhbGciOiJub25lIn0.eyJ3cmFuZ2xlcl9zaW5nbGVfYXNzZXRfdXBsb2FkcyI6dHJ1ZSwiZWRnZV9rdl91cGxvYWRf"
        "Y29uY3VycmVuY3kiOiI4In0.sig";
    CHECK(single_asset_upload_mode(single));
    CHECK(edge_kv_upload_concurrency(single) == 8);
    std::string bulk = "eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTksInNlc3Npb24iOjF9.sig";  // {"exp":…,"session":1}
    CHECK_FALSE(single_asset_upload_mode(bulk));
    CHECK(edge_kv_upload_concurrency(bulk) == 50);
    CHECK_FALSE(single_asset_upload_mode("not a jwt"));
    CHECK(jwt_payload("a.bm90IGpzb24.c").is_null());  // "not json"
    CHECK(jwt_payload(bulk)["session"] == 1);
}

TEST_CASE("assets: the metadata `assets` field and binding") {
    auto config = nlohmann::json::parse(R"({"main": "src/index.js", "assets": {"directory": "./public",
        "binding": "ASSETS", "html_handling": "auto-trailing-slash", "not_found_handling": "single-page-application",
        "run_worker_first": ["/api/*"]}})");
    AssetsConfigFiles files;
    files.redirects = "/old /new 301\n";
    files.headers = "/*\n  X-Test: 1\n";
    // What wrangler 4.164 sent for this config and these files.
    auto expected = nlohmann::json::parse(R"({"jwt":"completion.jwt.token","config":{"html_handling":
        "auto-trailing-slash","not_found_handling":"single-page-application","run_worker_first":["/api/*"],
        "_redirects":"/old /new 301\n","_headers":"/*\n  X-Test: 1\n"}})");
    CHECK(assets_upload_field(*config::worker_config(config).assets, "completion.jwt.token", files) == expected);
    CHECK(*assets_binding(*config::worker_config(config).assets) ==
          nlohmann::json::parse(R"({"name":"ASSETS","type":"assets"})"));

    auto bare = nlohmann::json::parse(R"({"assets": {"directory": "./public", "run_worker_first": true}})");
    CHECK(assets_upload_field(*config::worker_config(bare).assets, "j", {}) ==
          nlohmann::json::parse(R"({"jwt":"j","config":{"run_worker_first":true}})"));
    CHECK_FALSE(assets_binding(*config::worker_config(bare).assets).has_value());

    PrivateTempDir tmp("assets-test");
    put(tmp.path(), "_headers", "/a\n  X: \xff\n");
    auto read = read_assets_config_files(tmp.path());
    REQUIRE(read.ok());
    CHECK_FALSE(read->redirects.has_value());
    REQUIRE(read->headers.has_value());
    CHECK(*read->headers == "/a\n  X: \xEF\xBF\xBD\n");  // read as UTF-8, like Node
}
