// Regression tests for issue #17 (hardening) in the CLI's readers and helpers: YAML alias expansion, input size
// caps, diagnostics per file and excerpt width, the token rule, directory modes, secret names, redaction.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "../support/test_fs.hpp"
#include "api/client.hpp"
#include "api/secrets_file.hpp"
#include "config/config.hpp"
#include "core/diagnostic.hpp"
#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/net.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "tenants/spec.hpp"

using namespace tenantctl;
using tenantctl::testing::TempDir;

namespace {

Diagnostic diag(const std::string& file, int line = 0, int column = 0) {
    Diagnostic d;
    d.message = "m";
    d.file = file;
    d.line = line;
    d.column = column;
    return d;
}

std::string all_messages(const Error& e) {
    std::string out = e.message;
    for (auto& d : e.diagnostics) out += "\n" + d.message;
    return out;
}

}  // namespace

TEST_CASE("hardening #2: a self-referencing anchor is refused at the depth limit, not a stack overflow") {
    auto f = tenants::parse_tenants_file("namespace: p\nscript: ./w.js\ntenants:\n  - id: a\n    vars: &r {A: *r}\n",
                                         "tenants.yaml", "/srv");
    REQUIRE_FALSE(f.ok());
    CHECK(all_messages(f.error()).find("k_max_yaml_depth") != std::string::npos);
}

TEST_CASE("hardening #2: billion laughs and a widely shared map stop at k_max_yaml_expanded_bytes") {
    std::string laughs = "namespace: p\nscript: ./w.js\na0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n";
    for (int i = 1; i < 10; ++i) {
        laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int k = 0; k < 9; ++k) laughs += (k ? ",*a" : "*a") + std::to_string(i - 1);
        laughs += "]\n";
    }
    laughs += "tenants:\n  - id: a\n    vars: {X: *a9}\n";
    auto f = tenants::parse_tenants_file(laughs, "tenants.yaml", "/srv");
    REQUIRE_FALSE(f.ok());
    CHECK(all_messages(f.error()).find("k_max_yaml_expanded_bytes") != std::string::npos);

    // at the limit vs past it: one tenant with a shared map is fine; copies past the budget are refused
    std::string big = "{";
    for (int i = 0; i < 1000; ++i) big += (i ? ", K" : "K") + std::to_string(i) + ": \"" + std::string(90, 'v') + "\"";
    big += "}";
    std::string few = "namespace: p\nscript: ./w.js\ntenants:\n  - {id: t0, vars: &s " + big + "}\n";
    for (int i = 1; i < 10; ++i) few += "  - {id: t" + std::to_string(i) + ", vars: *s}\n";
    CHECK(tenants::parse_tenants_file(few, "tenants.yaml", "/srv").ok());
    std::string many = "namespace: p\nscript: ./w.js\ntenants:\n  - {id: t0, vars: &s " + big + "}\n";
    for (int i = 1; i < 2000; ++i) many += "  - {id: t" + std::to_string(i) + ", vars: *s}\n";
    auto m = tenants::parse_tenants_file(many, "tenants.yaml", "/srv");
    REQUIRE_FALSE(m.ok());
    CHECK(all_messages(m.error()).find("k_max_yaml_expanded_bytes") != std::string::npos);
    // defaults.vars copied into every tenant counts as well
    std::string defs = "namespace: p\nscript: ./w.js\ndefaults: {vars: " + big + "}\ntenants:\n";
    for (int i = 0; i < 2000; ++i) defs += "  - {id: t" + std::to_string(i) + "}\n";
    CHECK_FALSE(tenants::parse_tenants_file(defs, "tenants.yaml", "/srv").ok());
}

TEST_CASE(
    "hardening #14: input files are read up to k_max_input_file_bytes (a wrangler config up to "
    "k_max_config_file_bytes), at the limit and one byte past") {
    TempDir dir;
    auto at = dir.write("at", std::string(limits::k_max_input_file_bytes, 'x'));
    auto past = dir.write("past", std::string(limits::k_max_input_file_bytes + 1, 'x'));
    CHECK(read_file_limited(at, limits::k_max_input_file_bytes, "f").ok());
    auto r = read_file_limited(past, limits::k_max_input_file_bytes, "file past");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Input);
    CHECK(r.error().message == "file past is larger than 16 MiB (limit k_max_input_file_bytes)");
    auto z = read_file_limited("/dev/zero", limits::k_max_input_file_bytes, "/dev/zero");
    CHECK_FALSE(z.ok());
    auto t = tenants::load_tenants_file("/dev/zero", dir.str());
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("k_max_input_file_bytes") != std::string::npos);
    config::LoadOptions o;
    o.cwd = dir.str();
    o.config_path = "/dev/zero";
    auto c = config::load_config(o);
    REQUIRE_FALSE(c.errors.empty());
    CHECK(c.errors.front().message.find("k_max_config_file_bytes") != std::string::npos);
}

TEST_CASE("hardening #14: the tenants.yaml namespace is checked before any request") {
    for (const std::string& ns :
         std::vector<std::string>{"\"../../x?y#z\"", "\"a\\0b\"", "\"a b\"", std::string(64, 'n')}) {
        auto f = tenants::parse_tenants_file("namespace: " + ns + "\nscript: ./w.js\ntenants: [{id: a}]\n",
                                             "tenants.yaml", "/srv");
        INFO(ns);
        REQUIRE_FALSE(f.ok());
        CHECK(all_messages(f.error()).find("invalid namespace") != std::string::npos);
    }
    CHECK(tenants::check_namespace_name(std::string(63, 'n')).empty());
    CHECK(tenants::check_namespace_name("Prod_1-x").empty());
}

TEST_CASE("hardening #3: diagnostics are capped per file and excerpts cut to k_max_excerpt_width") {
    std::vector<Diagnostic> ds;
    for (size_t i = 0; i < limits::k_max_diagnostics_per_file + 5; ++i) ds.push_back(diag("a.json"));
    ds.push_back(diag("b.json"));
    auto capped = capped_diagnostics(ds);
    REQUIRE(capped.size() == limits::k_max_diagnostics_per_file + 2);  // a's cap, b's one, one note for a
    CHECK(capped.back().severity == Severity::Note);
    CHECK(capped.back().message == "5 more diagnostics not shown (limit k_max_diagnostics_per_file: 100 per file)");
    std::vector<Diagnostic> exact(limits::k_max_diagnostics_per_file, diag("a.json"));
    CHECK(capped_diagnostics(exact).size() == limits::k_max_diagnostics_per_file);  // at the limit: no note

    // a 2 MB line: the excerpt is a window around the caret, not the line
    std::string line(2'000'000, 'x');
    line[1'000'000] = '!';
    SourceText src("min.json", line);
    Diagnostic d = diag("min.json", 1, 1'000'001);
    std::string out = render_diagnostic(d, &src);
    CHECK(out.size() < 3 * limits::k_max_excerpt_width + 200);
    auto l2 = out.find('\n') + 1, l3 = out.find('\n', l2) + 1;
    std::string excerpt = out.substr(l2, l3 - l2), caret = out.substr(l3, out.find('\n', l3) - l3);
    CHECK(excerpt.find("...") != std::string::npos);
    CHECK(caret.size() <= excerpt.size());
    CHECK(excerpt[caret.size() - 1] == '!');  // the caret still points at the character
    // a line exactly k_max_excerpt_width long is shown whole
    SourceText fits("f.json", std::string(limits::k_max_excerpt_width, 'y'));
    Diagnostic d2 = diag("f.json", 1, 3);
    CHECK(render_diagnostic(d2, &fits).find("...") == std::string::npos);
    SourceText over("f.json", std::string(limits::k_max_excerpt_width + 1, 'y'));
    CHECK(render_diagnostic(d2, &over).find("...") != std::string::npos);
}

TEST_CASE("hardening #3: a one-line wrangler.json with thousands of unknown fields is read and reported") {
    TempDir dir;
    std::string text = R"({"name":"w","main":"w.js","compatibility_date":"2025-01-01")";
    for (int i = 0; text.size() < 200'000; ++i) text += ",\"f" + std::to_string(i) + "\":" + std::to_string(i);
    text += "}";
    dir.write("wrangler.json", text);
    dir.write("w.js", "export default {}");
    config::LoadOptions o;
    o.cwd = dir.str();
    // No timing here (the suite has no timed assertions): hostile_inputs.sh bounds the time and output of the CLI
    // reading a 2.5 MB one-liner, where the printed diagnostics are capped.
    auto c = config::load_config(o);
    CHECK(c.warnings.size() > 1000);  // one per unknown field
}

TEST_CASE("hardening #11: the token rule: a token only goes with the URL it was stored or given with") {
    TempDir home;
    std::map<std::string, std::string> vars{{"HOME", home.str()}, {"XDG_CONFIG_HOME", home.str() + "/cfg"}};
    REQUIRE(
        api::write_profile(Env::from_map(vars), {"local", "http://127.0.0.1:8787/client/v4", "tok-local", ""}).ok());
    REQUIRE(
        api::write_profile(Env::from_map(vars), {"default", "http://127.0.0.1:9/client/v4", "tok-default", ""}).ok());
    // TENANTCTL_PROFILE=local with a production token in the environment: the token goes to its own URL only
    vars["TENANTCTL_PROFILE"] = "local";
    vars["CLOUDFLARE_API_TOKEN"] = "tok-prod";
    auto c = api::resolve_connection({}, Env::from_map(vars));
    REQUIRE(c.ok());
    CHECK(c->credentials.token == "tok-prod");
    CHECK(c->api_url == api::k_default_api_url);
    // an environment token never goes to the default profile's custom api_url
    vars.erase("TENANTCTL_PROFILE");
    c = api::resolve_connection({}, Env::from_map(vars));
    CHECK(c->api_url == api::k_default_api_url);
    CHECK_FALSE(c->credentials_from_profile);
    // CLOUDFLARE_API_BASE_URL with a stored profile and no environment token: refused, not sent
    vars.erase("CLOUDFLARE_API_TOKEN");
    vars["CLOUDFLARE_API_BASE_URL"] = "http://127.0.0.1:1/client/v4";
    c = api::resolve_connection({}, Env::from_map(vars));
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == ErrorKind::Usage);
    CHECK(c.error().message.find("only sent to the URL it was stored or given with") != std::string::npos);
    // the same URL as the profile's is no conflict
    vars["CLOUDFLARE_API_BASE_URL"] = "http://127.0.0.1:9/client/v4/";
    CHECK(api::resolve_connection({}, Env::from_map(vars))->credentials.token == "tok-default");
    // --local --api-url elsewhere: refused; --local alone: the environment's URL is ignored
    api::ConnectionInputs in;
    in.local = true;
    in.api_url_flag = "http://127.0.0.1:2/client/v4";
    CHECK(api::resolve_connection(in, Env::from_map(vars)).error().kind == ErrorKind::Usage);
    in.api_url_flag.clear();
    c = api::resolve_connection(in, Env::from_map(vars));
    CHECK(c->api_url == "http://127.0.0.1:8787/client/v4");
    CHECK(c->credentials.token == "tok-local");
}

TEST_CASE("hardening #15: directories get the mode asked for whatever the umask; URLs shown redacted") {
    TempDir dir;
    mode_t old = ::umask(0);
    auto st = make_dirs(dir.str() + "/a/b/c", 0700);
    ::umask(old);
    REQUIRE(st.ok());
    for (const char* p : {"/a", "/a/b", "/a/b/c"}) {
        struct stat s {};
        REQUIRE(::stat((dir.str() + p).c_str(), &s) == 0);
        INFO(p);
        CHECK((s.st_mode & 0777) == 0700);
    }
    CHECK(redact_url_query("https://u:p@h/client/v4?x=1&token=2") == "https://[REDACTED]@h/client/v4?[REDACTED]");
    CHECK(redact_url_query("https://h/client/v4") == "https://h/client/v4");
    CHECK(api::valid_secret_name("API_KEY"));
    CHECK_FALSE(api::valid_secret_name("bad key!"));
}

TEST_CASE("hardening #12: loopback and wildcard addresses") {
    CHECK(is_loopback_host("127.0.0.1"));
    CHECK(is_loopback_host("127.9.9.9"));
    CHECK(is_loopback_host("[::1]"));
    CHECK(is_loopback_host("localhost"));
    CHECK(is_loopback_host("a.localhost"));
    CHECK_FALSE(is_loopback_host("10.0.0.1"));
    CHECK_FALSE(is_loopback_host("example.com"));
    CHECK(is_wildcard_address("0.0.0.0"));
    CHECK(is_wildcard_address("::"));
    CHECK_FALSE(is_wildcard_address("127.0.0.1"));
    CHECK(url_host("http://user@Example.COM:8080/x?y") == "example.com");
    CHECK(url_host("http://[::1]:80/") == "::1");
}
