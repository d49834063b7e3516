#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/diagnostic.hpp"
#include "core/env.hpp"
#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/process.hpp"
#include "core/redact.hpp"
#include "core/result.hpp"
#include "core/strings.hpp"

using namespace tenantctl;

namespace {
Result<int> parse_positive(int v) {
    if (v <= 0) return Error(ErrorKind::Input, "not positive");
    return v;
}
Result<int> doubled(int v) {
    TRY_ASSIGN(int x, parse_positive(v));
    return x * 2;
}
}  // namespace

TEST_CASE("Result and TRY_ASSIGN propagate errors") {
    CHECK(doubled(4).value() == 8);
    auto r = doubled(-1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Input);
    CHECK(r.error().message == "not positive");
}

TEST_CASE("SourceText positions are 1-based and survive CRLF") {
    SourceText src("f.toml", "a = 1\r\nbb = 2\nccc");
    CHECK(src.position_of(0).line == 1);
    CHECK(src.position_of(7).line == 2);
    CHECK(src.position_of(7).column == 1);
    CHECK(src.position_of(9).column == 3);
    CHECK(src.line_text(1) == "a = 1");
    CHECK(src.line_text(3) == "ccc");
    CHECK(src.offset_of(2, 3) == 9);
}

TEST_CASE("diagnostics render as file:line:col with the source line and a caret") {
    SourceText src("wrangler.toml", "name = \"x\"\nmax_instances = -1\n");
    Diagnostic d{Severity::Error, "bad value", "wrangler.toml", 2, 17, "max_instances", "use a number >= 0", ""};
    CHECK(render_diagnostic(d, &src) ==
          "wrangler.toml:2:17: error: bad value\n"
          "  2 | max_instances = -1\n"
          "    |                 ^\n"
          "  hint: use a number >= 0\n");
}

TEST_CASE("diagnostics carry their source lines to any renderer") {
    SourceText src("t.yaml", "a: 1\nb: [\n");
    std::vector<Diagnostic> ds(3);
    ds[0].file = "t.yaml", ds[0].line = 2, ds[0].column = 4, ds[0].message = "bad\nsecond line";
    ds[1].file = "other.yaml", ds[1].line = 1, ds[1].column = 1, ds[1].message = "elsewhere";
    ds[2].file = "t.yaml", ds[2].line = 9, ds[2].message = "past the end";
    attach_source_lines(ds, src);
    CHECK(ds[0].source_line == "b: [");
    CHECK(ds[1].source_line.empty());  // another file's line is not taken from this one
    CHECK(ds[2].source_line.empty());
    CHECK(render_diagnostic(ds[0], nullptr) == "t.yaml:2:4: error: bad\nsecond line\n  2 | b: [\n    |    ^\n");
}

TEST_CASE("JSON field readers never throw on null or mistyped fields (API answers may hold null)") {
    auto j = nlohmann::json::parse(R"({"s":null,"b":null,"i":null,"t":"x","f":true,"n":42,"d":3.0,"h":2.5})");
    CHECK(json_string(j, "s").empty());
    CHECK(json_string(j, "t") == "x");
    CHECK(json_bool(j, "b", true) == true);
    CHECK(json_bool(j, "f", false) == true);
    CHECK(json_int(j, "i", 7) == 7);
    CHECK(json_int(j, "n", 0) == 42);
    CHECK(json_int(j, "d", 0) == 3);
    CHECK(json_int(j, "h", -1) == -1);
    CHECK(json_int(nlohmann::json::array(), "n", 5) == 5);
    CHECK_THROWS(j.value("s", std::string()));  // what the readers replace
}

TEST_CASE("closest_match suggests near misses only") {
    std::vector<std::string> keys = {"compatibility_date", "compatibility_flags", "main", "name"};
    CHECK(closest_match("compatability_date", keys) == "compatibility_date");
    CHECK(closest_match("mian", keys) == "main");
    CHECK(closest_match("totally_unrelated", keys).empty());
}

TEST_CASE("redaction hides registered secrets, auth headers and token query parameters") {
    Redactor r;
    r.add("s3cr3t-value");
    CHECK(r.redact("value is s3cr3t-value!") == "value is [REDACTED]!");
    Redactor nested;  // a secret that begins another, registered first: the longer one is still hidden whole
    nested.add("sk-1234");
    nested.add("sk-1234-5678");
    CHECK(nested.redact("a=sk-1234-5678 b=sk-1234") == "a=[REDACTED] b=[REDACTED]");
    CHECK(redact_header_line("Authorization: Bearer abcdef") == "Authorization: [REDACTED]");
    CHECK(redact_header_line("Content-Type: text/plain") == "Content-Type: text/plain");
    CHECK(redact_url("https://u:p@h/x?token=abc&page=2") == "https://[REDACTED]@h/x?token=[REDACTED]&page=2");
}

TEST_CASE("Env lookup from a map and XDG fallbacks") {
    auto env = Env::from_map({{"HOME", "/home/u"}, {"XDG_DATA_HOME", "/d"}});
    CHECK(env.config_home() == "/home/u/.config");
    CHECK(env.data_home() == "/d");
    CHECK_FALSE(env.has("NOPE"));
}

TEST_CASE("write_file_atomic honours the mode") {
    auto dir = std::filesystem::temp_directory_path() / ("tc-core-" + random_hex(4));
    std::string path = (dir / "token").string();
    REQUIRE(write_file_atomic(path, "abc", 0600).ok());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(read_file(path).value() == "abc");
    std::filesystem::remove_all(dir);
}

TEST_CASE("run_process passes stdin and captures output and exit codes") {
    ProcessOptions opts;
    opts.stdin_data = "hello";
    auto r = run_process({"cat"}, opts);
    REQUIRE(r.ok());
    CHECK(r->out == "hello");
    CHECK(r->exit_code == 0);
    auto f = run_process({"sh", "-c", "echo oops >&2; exit 3"});
    REQUIRE(f.ok());
    CHECK(f->exit_code == 3);
    CHECK(f->err == "oops\n");
    CHECK_FALSE(run_process({"no-such-program-here"}).ok());
}

TEST_CASE("string helpers") {
    CHECK(split("a,b,,c", ',').size() == 4);
    CHECK(url_encode("a b/c") == "a%20b%2Fc");
    CHECK(url_decode("a%20b%2Fc") == "a b/c");
    CHECK(base64_encode("v1:pw") == "djE6cHc=");
    CHECK(uuid_v4().size() == 36);
    std::string u;
    for (char32_t cp : {U'A', U'\u00e9', U'\u20ac', U'\U0001F600', char32_t(0xD800), char32_t(0x110000)})
        append_utf8(u, cp);
    CHECK(u == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD");
}

#include "core/sha256.hpp"

TEST_CASE("sha256 matches the FIPS test vectors") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    std::string million(1000000, 'a');
    Sha256 h;
    for (size_t i = 0; i < million.size(); i += 999) h.update(std::string_view(million).substr(i, 999));
    CHECK(h.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("absolute_path and relative_to agree with std::filesystem's lexical rules (string fast path included)") {
    namespace fs = std::filesystem;
    auto reference_abs = [](const std::string& p, const std::string& b) {
        fs::path pp(p);
        return (pp.is_absolute() ? pp : fs::path(b) / pp).lexically_normal().string();
    };
    const std::vector<std::string> bases = {"/",        "/w/proj",   "/w/proj/", "/w/./proj", "/w/x/../proj",
                                            "//w/proj", "/w/.hidden"};
    const std::vector<std::string> paths = {"src/index.js",
                                            "./src/index.js",
                                            "././a",
                                            "a",
                                            "a/",
                                            "./",
                                            ".",
                                            "..",
                                            "../x",
                                            "a/../b",
                                            "a/./b",
                                            "a//b",
                                            "/abs/x",
                                            "/abs/../y",
                                            ".hidden/x",
                                            "..x/y",
                                            "x..",
                                            "Dockerfile",
                                            "r.example.com/x:1",
                                            ""};
    for (const auto& b : bases)
        for (const auto& p : paths) {
            CAPTURE(b);
            CAPTURE(p);
            CHECK(absolute_path(p, b) == reference_abs(p, b));
        }
    CHECK(relative_to("/w/proj", "/w/proj") == "./");
    CHECK(relative_to("/w/proj/src/a.js", "/w/proj") == "./src/a.js");
    CHECK(relative_to("/w/project/a.js", "/w/proj") == "/w/project/a.js");  // a sibling sharing a prefix is outside
    CHECK(relative_to("/w/other/a.js", "/w/proj") == "/w/other/a.js");
    CHECK(relative_to("/w/proj/x/../a.js", "/w/proj") == "./a.js");
    CHECK(relative_to("/w/proj/a.js", "/w/proj/") == "./a.js");
    CHECK(relative_to("/a.js", "/") == "./a.js");
}
