// tenants: tenants.yaml parsing (every YAML and schema problem at once, exact line:col and field path),
// secret resolution, reserved tags, the digest and the plan.
#include <doctest/doctest.h>

#include "../support/test_fs.hpp"

#include <filesystem>
#include <fstream>

#include "core/env.hpp"
#include "core/strings.hpp"
#include "tenants/engine.hpp"
#include "tenants/spec.hpp"

using namespace tenantctl;
using namespace tenantctl::tenants;
namespace fs = std::filesystem;

namespace {

struct TempDir : tenantctl::testing::TempDir {
    TempDir() : tenantctl::testing::TempDir("tenantctl-tenants-test") {}
};

const char* k_example = R"(namespace: production
script: ./dist/tenant.mjs
compatibility_date: "2026-01-01"
plans:
  free: { cpu_ms: 10, subrequests: 5 }
  pro:  { cpu_ms: 50, subrequests: 50 }
defaults: { plan: free, tags: [managed] }
tenants:
  - id: acme
    plan: pro
    tags: [customer-acme]
    vars: { THEME: dark }
    secrets: { API_KEY: { env: ACME_API_KEY } }
    isolate: [kv, r2]
  - id: beta
)";

// "line:col path: message" for each diagnostic, to compare exactly.
std::vector<std::string> diag_lines(const Error& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics)
        out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.path + ": " + d.message);
    return out;
}

}  // namespace

TEST_CASE("tenants: the issue's example parses with defaults applied") {
    auto f = parse_tenants_file(k_example, "tenants.yaml", "/srv");
    REQUIRE(f.ok());
    CHECK(f->ns == "production");
    CHECK(f->script == "./dist/tenant.mjs");
    CHECK(f->prefix == "production");
    CHECK(f->managed_tag == "tenantctl");
    REQUIRE(f->tenants.size() == 2);
    const auto& acme = f->tenants[0];
    CHECK(acme.id == "acme");
    CHECK(acme.plan == "pro");
    CHECK(acme.tags == std::vector<std::string>{"managed", "customer-acme"});
    CHECK(acme.vars == nlohmann::json{{"THEME", "dark"}});
    CHECK(acme.manage_secrets);
    REQUIRE(acme.secrets.count("API_KEY"));
    CHECK(acme.secrets.at("API_KEY").env == "ACME_API_KEY");
    CHECK(acme.secrets.at("API_KEY").pos.line == 13);
    CHECK(acme.secrets.at("API_KEY").pos.column == 32);
    CHECK(acme.isolate == std::vector<Resource>{Resource::Kv, Resource::R2});
    const auto& beta = f->tenants[1];
    CHECK(beta.plan == "free");
    CHECK(beta.tags == std::vector<std::string>{"managed"});
    CHECK_FALSE(beta.manage_secrets);
    CHECK(f->plans.at("pro").limits() == nlohmann::json{{"cpu_ms", 50}, {"subrequests", 50}});
}

TEST_CASE("tenants: every schema error at once, with exact line:col and field path") {
    const char* text = R"(namespace: production
scirpt: ./x.mjs
plans:
  free: { cpu_ms: ten }
tenants:
  - id: Acme
    plan: prp
    isolate: [kv, s3]
  - id: ok-1
    tags: [a, "b:c", plan-x]
  - id: ok-1
    secrets: { KEY: "inline" }
)";
    auto f = parse_tenants_file(text, "tenants.yaml", "/srv");
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().kind == ErrorKind::Input);
    CHECK(f.error().message == "tenants.yaml: 9 errors; nothing was sent");
    auto lines = diag_lines(f.error());
    std::vector<std::string> want = {
        "2:1 scirpt: unknown field \"scirpt\"",
        "4:19 plans.free.cpu_ms: plans.free.cpu_ms must be a whole number from 1 to 300000, got \"ten\"",
        "6:9 tenants[0].id: invalid tenant id \"Acme\": it may only contain a-z, 0-9 and '-'",
        "7:11 tenants[0].plan: unknown plan \"prp\"",
        "8:19 tenants[0].isolate[1]: unknown resource kind \"s3\"",
        "10:15 tenants[1].tags[1]: invalid tag \"b:c\": a tag must not contain ',', '&', ':' or whitespace (they break "
        "the tag filter)",
        "10:22 tenants[1].tags[2]: invalid tag \"plan-x\": tags starting with \"plan-\" are reserved: tenantctl sets "
        "the plan tag from `plan`",
        "11:9 tenants[2].id: duplicate tenant id \"ok-1\"",
    };
    // the inline secret is a ninth problem (the opening quote of the scalar)
    want.push_back(
        "12:21 tenants[2].secrets.KEY: tenants[2].secrets.KEY must be a mapping with `env` or `file`, got a scalar");
    CHECK(lines.size() == want.size());
    for (size_t i = 0; i < std::min(lines.size(), want.size()); ++i) CHECK(lines[i] == want[i]);
    CHECK(f.error().diagnostics[0].hint == "did you mean \"script\"?");
    CHECK(f.error().diagnostics[3].hint == "did you mean \"pro\"?");  // the built-in plans are known too
    CHECK(f.error().diagnostics[0].file == "tenants.yaml");
}

TEST_CASE("tenants: YAML syntax errors point at the line and column") {
    auto f = parse_tenants_file("namespace: production\ntenants:\n  - id: a\n   - id: b\n", "t.yaml", "/srv");
    REQUIRE_FALSE(f.ok());
    REQUIRE(f.error().diagnostics.size() == 1);
    const auto& d = f.error().diagnostics[0];
    CHECK(d.file == "t.yaml");
    CHECK(d.line == 4);
    CHECK(d.column == 4);
    CHECK(starts_with(d.message, "invalid YAML: "));
    std::string rendered = render_diagnostic(d, nullptr);
    CHECK(starts_with(rendered, "t.yaml:4:4: error: invalid YAML: "));
}

TEST_CASE("tenants: missing required fields and too many tags") {
    auto f = parse_tenants_file("script: x.mjs\n", "t.yaml", "/srv");
    REQUIRE_FALSE(f.ok());
    auto lines = diag_lines(f.error());
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "1:1 namespace: missing required field namespace");
    CHECK(lines[1] == "1:1 tenants: missing required field tenants");

    auto g = parse_tenants_file(
        "namespace: p\ndefaults: { tags: [a, b] }\ntenants:\n  - id: x\n    tags: [c, d, e, f]\n", "t.yaml", "/srv");
    REQUIRE_FALSE(g.ok());
    auto gl = diag_lines(g.error());
    REQUIRE(gl.size() == 1);
    CHECK(gl[0] == "5:11 tenants[0].tags: tenant \"x\" would have 9 tags, the API allows 8");
}

TEST_CASE("tenants: secrets resolve from the environment and files, all problems at once") {
    TempDir dir;
    dir.write("keys/b.key", "from-file\n");
    std::string text =
        "namespace: p\ntenants:\n  - id: a\n    secrets: { K: { env: A_KEY } }\n"
        "  - id: b\n    secrets: { K: { file: keys/b.key } }\n"
        "  - id: c\n    secrets: { K: { env: MISSING }, L: { file: nope.key } }\n";
    auto f = parse_tenants_file(text, "tenants.yaml", dir.path.string());
    REQUIRE(f.ok());
    auto env = Env::from_map({{"A_KEY", "value-a"}});
    auto r = resolve_secrets(*f, env);
    REQUIRE_FALSE(r.ok());
    auto lines = diag_lines(r.error());
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] ==
          "8:26 tenants[2].secrets.K.env: environment variable MISSING (secret K of tenant \"c\") is not set");
    CHECK(lines[1] ==
          "8:48 tenants[2].secrets.L.file: cannot read secret file \"nope.key\" (secret L of tenant \"c\")");

    auto env2 = Env::from_map({{"A_KEY", "value-a"}, {"MISSING", "m"}});
    dir.write("nope.key", "n");
    auto ok = resolve_secrets(*f, env2);
    REQUIRE(ok.ok());
    CHECK(ok->at("a").at("K") == "value-a");
    CHECK(ok->at("b").at("K") == "from-file");
    CHECK(ok->at("c").at("L") == "n");
}

TEST_CASE("tenants: reserved tags, digest and plan") {
    TempDir dir;
    std::string script = dir.write("tenant.mjs", "export default { fetch() { return new Response('x') } }\n");
    auto f = parse_tenants_file(k_example, "tenants.yaml", dir.path.string());
    REQUIRE(f.ok());
    auto src = source_from_script(script, std::string("2026-01-01"), {});
    REQUIRE(src.ok());
    const auto& acme = f->tenants[0];
    Desired d = desire(*f, *src, acme);
    REQUIRE(d.digest.size() == 40);
    CHECK(d.tags.size() == 5);
    CHECK(d.tags[0] == "managed");
    CHECK(d.tags[1] == "customer-acme");
    CHECK(d.tags[2] == "tenantctl");
    CHECK(d.tags[3] == "plan-pro");
    CHECK(d.tags[4] == "tcd-" + d.digest);
    CHECK(digest_of_tags(d.tags) == d.digest);
    CHECK(plan_of_tags(d.tags) == "pro");
    CHECK(user_tags_of(d.tags, "tenantctl") == std::vector<std::string>{"managed", "customer-acme"});
    CHECK(d.limits == nlohmann::json{{"cpu_ms", 50}, {"subrequests", 50}});

    // metadata: tags, limits, vars, isolated bindings, secrets as secret_text, secrets managed by the file
    auto m = upload_metadata(*f, *src, acme, d, {{"kv", "kv-id-1"}}, {{"API_KEY", "s3cret"}});
    CHECK(m["tags"] == nlohmann::json(d.tags));
    CHECK(m["limits"] == d.limits);
    CHECK(m["keep_bindings"] == nlohmann::json::array());
    auto has = [&](const nlohmann::json& want) {
        for (const auto& b : m["bindings"])
            if (b == want) return true;
        return false;
    };
    CHECK(has({{"name", "THEME"}, {"type", "plain_text"}, {"text", "dark"}}));
    CHECK(has({{"name", "TENANT_KV"}, {"type", "kv_namespace"}, {"namespace_id", "kv-id-1"}}));
    CHECK(has({{"name", "TENANT_R2"}, {"type", "r2_bucket"}, {"bucket_name", "production-acme"}}));
    CHECK(has({{"type", "secret_text"}, {"name", "API_KEY"}, {"text", "s3cret"}}));

    // plan against an observed state
    Observed obs;
    obs.tenants["acme"] = {"acme", d.tags, ""};
    obs.kv_by_title["production-acme"] = "kv-id-1";
    obs.r2_buckets.insert("production-acme");
    Desired db = desire(*f, *src, f->tenants[1]);
    std::vector<std::string> beta_tags = db.tags;
    beta_tags.push_back("extra");  // someone added a tag by hand
    obs.tenants["beta"] = {"beta", beta_tags, ""};
    obs.tenants["gone"] = {"gone", {"tenantctl", "plan-free"}, ""};
    obs.tenants["foreign"] = {"foreign", {"other"}, ""};
    auto plan = make_plan(*f, *src, obs, {});
    REQUIRE(plan.size() == 2);
    CHECK(plan[0].action == Action::Unchanged);
    CHECK(plan[1].action == Action::Update);
    CHECK(plan[1].changes == std::vector<std::string>{"tags"});
    CHECK_FALSE(plan[1].upload);
    CHECK(unlisted_managed(*f, obs) == std::vector<std::string>{"gone"});

    PlanOptions prune;
    prune.prune = true;
    auto plan2 = make_plan(*f, *src, obs, prune);
    REQUIRE(plan2.size() == 3);
    CHECK(plan2[2].action == Action::Delete);
    CHECK(plan2[2].id == "gone");

    // a changed var and plan: only those digest segments differ
    auto g = *f;
    g.tenants[0].vars["THEME"] = "light";
    g.tenants[0].plan = "free";
    auto plan3 = make_plan(g, *src, obs, {});
    CHECK(plan3[0].action == Action::Update);
    CHECK(plan3[0].changes == std::vector<std::string>{"vars", "limits", "plan"});
    CHECK(plan3[0].upload);

    // an existing script tenantctl did not write is adopted by a full upload
    Observed foreign = obs;
    foreign.tenants["acme"] = {"acme", {"other"}, ""};
    auto plan5 = make_plan(*f, *src, foreign, {});
    CHECK(plan5[0].action == Action::Update);
    CHECK(plan5[0].changes ==
          std::vector<std::string>{"adopt", "script", "vars", "secrets", "isolate", "limits", "plan", "tags"});
    CHECK(plan5[0].upload);

    // a missing isolated resource is recreated
    obs.r2_buckets.clear();
    auto plan4 = make_plan(*f, *src, obs, {});
    CHECK(plan4[0].changes == std::vector<std::string>{"resources"});
}

TEST_CASE("tenants: docs/tenants.yaml.example is a valid tenants file") {
    std::string dir = std::string(TENANTCTL_SOURCE_DIR) + "/docs";
    auto f = load_tenants_file("tenants.yaml.example", dir);
    REQUIRE(f.ok());
    CHECK(f->ns == "production");
    REQUIRE(f->tenants.size() == 3);
    CHECK(f->tenants[0].secrets.size() == 2);
    CHECK(f->tenants[1].isolate.size() == 3);
    CHECK(f->tenants[2].plan == "free");
    CHECK(f->tenants[2].tags == std::vector<std::string>{"managed"});
    CHECK(f->tenants[2].vars == nlohmann::json{{"REGION", "eu"}});
}

TEST_CASE("tenants: secret values enter the digest only through HMAC with secrets_digest_key") {
    // RFC 4231 test case 2
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    TempDir dir;
    std::string script = dir.write("tenant.mjs", "export default {}\n");
    std::string text = std::string(k_example) + "secrets_digest_key: { env: DIGEST_KEY }\n";
    auto f = parse_tenants_file(text, "tenants.yaml", dir.path.string());
    REQUIRE(f.ok());
    REQUIRE(f->secrets_digest_key);
    CHECK(f->secrets_digest_key->env == "DIGEST_KEY");
    CHECK(f->secrets_digest_key->pos.line == 16);
    auto src = source_from_script(script, std::nullopt, {});
    REQUIRE(src.ok());
    const auto& acme = f->tenants[0];
    std::map<std::string, std::string> v1{{"API_KEY", "one"}}, v2{{"API_KEY", "two"}};
    Desired plain = desire(*f, *src, acme);
    CHECK(desire(*f, *src, acme, &v1).digest == plain.digest);  // no key: values do not count
    Desired k1 = desire(*f, *src, acme, &v1, "0123456789abcdef0123");
    Desired k2 = desire(*f, *src, acme, &v2, "0123456789abcdef0123");
    Desired k3 = desire(*f, *src, acme, &v1, "another-key-0123456789");
    CHECK(k1.digest != k2.digest);
    CHECK(k1.digest.substr(16, 8) != k2.digest.substr(16, 8));  // only the secrets segment differs
    CHECK(k1.digest.substr(0, 16) == k2.digest.substr(0, 16));
    CHECK(k1.digest.substr(24) == k2.digest.substr(24));
    CHECK(k1.digest != k3.digest);

    auto missing = resolve_digest_key(*f, Env::from_map({}));
    REQUIRE_FALSE(missing.ok());
    CHECK(diag_lines(missing.error()).at(0) ==
          "16:28 secrets_digest_key.env: environment variable DIGEST_KEY (secrets_digest_key) is not set");
    auto short_key = resolve_digest_key(*f, Env::from_map({{"DIGEST_KEY", "short"}}));
    CHECK_FALSE(short_key.ok());
    auto ok = resolve_digest_key(*f, Env::from_map({{"DIGEST_KEY", "a-long-enough-digest-key"}}));
    REQUIRE(ok.ok());
    CHECK(*ok == "a-long-enough-digest-key");
}
