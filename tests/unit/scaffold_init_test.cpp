// Unit tests for lib/scaffold's templates and init: name substitution, project names, template lookup,
// template sources, staging into place, refusal of non-empty directories, modes kept, local git clones.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include "../support/test_fs.hpp"

#include <filesystem>
#include <fstream>

#include "core/cancel.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "scaffold/init.hpp"
#include "scaffold/templates.hpp"

using namespace tenantctl;
using namespace tenantctl::scaffold;
namespace fs = std::filesystem;

namespace {

struct TempDir : tenantctl::testing::TempDir {
    TempDir() : tenantctl::testing::TempDir("tenantctl-scaffold-test") {}
};

void write(const fs::path& p, const std::string& content, fs::perms mode = fs::perms(0644)) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    fs::permissions(p, mode, fs::perm_options::replace);
}

std::string slurp(const fs::path& p) {
    auto r = read_file(p.string());
    REQUIRE(r.ok());
    return *r;
}

// A templates directory with one template "demo": text with the placeholder, a binary file and an executable.
fs::path make_templates(const fs::path& root) {
    fs::path t = root / "share" / "tenantctl" / "templates";
    write(t / "demo" / "README.md", "# __project_name__\n\nA demo template for __project_name__.\n\nMore text.\n");
    write(t / "demo" / "wrangler.jsonc", "{ \"name\": \"__project_name__\", \"main\": \"src/index.js\" }\n");
    write(t / "demo" / "src" / "index.js", "export default {}\n");
    write(t / "demo" / "bin" / "app",
          std::string("\x7f"
                      "ELF\0__project_name__",
                      21),
          fs::perms(0755));
    write(t / "other" / "wrangler.toml", "name = \"x\"\n");
    fs::create_directories(t / "not-a-template");
    return t;
}

Env env_with(std::map<std::string, std::string> m = {}) {
    return Env::from_map(std::move(m));
}

}  // namespace

TEST_CASE("scaffold: the name placeholder is replaced everywhere, other text untouched") {
    CHECK(substitute_name("name = \"__project_name__\"", "acme") == "name = \"acme\"");
    CHECK(substitute_name("__project_name__/__project_name__-app", "x") == "x/x-app");
    CHECK(substitute_name("no placeholder _project_name_", "x") == "no placeholder _project_name_");
    CHECK(substitute_name("", "x").empty());
    CHECK(looks_binary(std::string("ab\0cd", 5)));
    CHECK_FALSE(looks_binary("plain text\n"));
}

TEST_CASE("scaffold: project names from directory names are valid worker names") {
    CHECK(project_name_from("My Platform") == "my-platform");
    CHECK(project_name_from("api.v2") == "api-v2");
    CHECK(project_name_from("--weird__name--") == "weird__name");
    CHECK(project_name_from("...").empty());
    CHECK(project_name_from(std::string(100, 'a')).size() == 63);
    CHECK(valid_project_name("acme-tenants_2"));
    CHECK_FALSE(valid_project_name("Acme"));
    CHECK_FALSE(valid_project_name("-acme"));
    CHECK_FALSE(valid_project_name(""));
    CHECK_FALSE(valid_project_name("a b"));
}

TEST_CASE("scaffold: --template values are bundled names or repositories with an optional #subdir") {
    auto b = parse_template_source("container-platform");
    CHECK(b.bundled);
    CHECK(b.name == "container-platform");
    auto g = parse_template_source("https://example.com/o/r.git#templates/api/");
    CHECK_FALSE(g.bundled);
    CHECK(g.url == "https://example.com/o/r.git");
    CHECK(g.subdir == "templates/api");
    auto f = parse_template_source("file:///tmp/repo");
    CHECK_FALSE(f.bundled);
    CHECK(f.subdir.empty());
    CHECK_FALSE(parse_template_source("./local").bundled);
    CHECK_FALSE(parse_template_source("repo#sub").bundled);
    CHECK_FALSE(parse_template_source("git@example.com:o/r").bundled);
}

TEST_CASE("scaffold: template lookup: the env override alone, else next to the binary") {
    auto c = template_dir_candidates(env_with({{"TENANTCTL_TEMPLATES_DIR", "/opt/t"}}), "/usr/bin/tenantctl");
    REQUIRE(c.size() == 1);
    CHECK(c[0] == "/opt/t");
    c = template_dir_candidates(env_with(), "/usr/local/bin/tenantctl");
    REQUIRE(c.size() == 2);
    CHECK(c[0] == "/usr/local/share/tenantctl/templates");
    CHECK(c[1] == "/usr/local/bin/templates");

    TempDir tmp;
    fs::path t = make_templates(tmp.path);
    fs::create_directories(tmp.path / "bin");
    auto found = find_templates_dir(env_with(), (tmp.path / "bin" / "tenantctl").string());
    REQUIRE(found.ok());
    CHECK(fs::equivalent(*found, t));
    auto missing = find_templates_dir(env_with({{"TENANTCTL_TEMPLATES_DIR", (tmp.path / "nope").string()}}),
                                      (tmp.path / "bin" / "tenantctl").string());
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::NotFound);
    CHECK(missing.error().message.find("TENANTCTL_TEMPLATES_DIR") != std::string::npos);
    auto none = find_templates_dir(env_with(), "/nonexistent-dir/bin/tenantctl");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("/nonexistent-dir/share/tenantctl/templates") != std::string::npos);
}

TEST_CASE("scaffold: listing templates: sorted, described by their README, directories without files skipped") {
    TempDir tmp;
    fs::path t = make_templates(tmp.path);
    auto list = list_templates(t.string());
    REQUIRE(list.ok());
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].name == "demo");
    CHECK((*list)[0].description == "A demo template for demo");
    CHECK((*list)[1].name == "other");
    CHECK((*list)[1].description.empty());
    CHECK(description_from_readme("# T\n\n![badge](x)\n\nFirst line.\nsecond line\n") == "First line");
    CHECK(description_from_readme("# only a title\n").empty());
}

TEST_CASE("scaffold: init copies a bundled template with the name substituted and modes kept") {
    TempDir tmp;
    make_templates(tmp.path);
    InitOptions o;
    o.base_dir = tmp.str();
    o.target_dir = "My Project";
    o.template_spec = "demo";
    o.exe_path = (tmp.path / "bin" / "tenantctl").string();
    auto r = init_project(o, env_with());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    CHECK(r->name == "my-project");
    CHECK(r->source == "bundled");
    CHECK(r->files == std::vector<std::string>{"README.md", "bin/app", "src/index.js", "wrangler.jsonc"});
    fs::path dir = tmp.path / "My Project";
    CHECK(slurp(dir / "wrangler.jsonc") == "{ \"name\": \"my-project\", \"main\": \"src/index.js\" }\n");
    CHECK(slurp(dir / "README.md").find("# my-project\n") == 0);
    // the binary is copied byte for byte (its placeholder-looking bytes untouched) and stays executable
    CHECK(slurp(dir / "bin" / "app") == std::string("\x7f"
                                                    "ELF\0__project_name__",
                                                    21));
    CHECK((fs::status(dir / "bin" / "app").permissions() & fs::perms::owner_exec) != fs::perms::none);
    // nothing left behind next to the target
    int entries = 0;
    for (const auto& e : fs::directory_iterator(tmp.path)) {
        CHECK(e.path().filename().string().find(".tenantctl-") == std::string::npos);
        ++entries;
    }
    CHECK(entries == 2);  // share and "My Project"
}

TEST_CASE("scaffold: init refuses a non-empty directory unless --force, and keeps other files with --force") {
    TempDir tmp;
    make_templates(tmp.path);
    write(tmp.path / "proj" / "notes.txt", "mine\n");
    write(tmp.path / "proj" / "wrangler.jsonc", "old\n");
    InitOptions o;
    o.base_dir = tmp.str();
    o.target_dir = "proj";
    o.template_spec = "demo";
    o.name = "acme";
    o.exe_path = (tmp.path / "bin" / "tenantctl").string();
    auto refused = init_project(o, env_with());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::Conflict);
    CHECK(refused.error().message.find("is not empty") != std::string::npos);
    CHECK(refused.error().hint.find("--force") != std::string::npos);
    CHECK(slurp(tmp.path / "proj" / "wrangler.jsonc") == "old\n");

    o.force = true;
    auto r = init_project(o, env_with());
    REQUIRE(r.ok());
    CHECK(slurp(tmp.path / "proj" / "notes.txt") == "mine\n");
    CHECK(slurp(tmp.path / "proj" / "wrangler.jsonc").find("\"acme\"") != std::string::npos);
    CHECK(fs::exists(tmp.path / "proj" / "src" / "index.js"));
}

TEST_CASE("scaffold: init errors name the template and leave nothing behind") {
    TempDir tmp;
    make_templates(tmp.path);
    InitOptions o;
    o.base_dir = tmp.str();
    o.target_dir = "p";
    o.exe_path = (tmp.path / "bin" / "tenantctl").string();
    o.template_spec = "nope";
    o.target_dir = "new/parents/p";
    auto r = init_project(o, env_with());
    CHECK_FALSE(fs::exists(tmp.path / "new"));  // parents made for the target are removed again
    o.target_dir = "p";
    r = init_project(o, env_with());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::NotFound);
    CHECK(r.error().message.find("\"nope\"") != std::string::npos);
    CHECK(r.error().message.find("demo, other") != std::string::npos);
    CHECK(r.error().hint.find("tenantctl init --list") != std::string::npos);

    o.template_spec = "demo";
    o.name = "Bad Name";
    r = init_project(o, env_with());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Usage);
    CHECK(r.error().hint == "try --name bad-name");

    o.name.clear();
    o.template_spec = (tmp.path / "no-such-repo").string();
    r = init_project(o, env_with());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("no-such-repo") != std::string::npos);

    o.template_spec = "file://" + (tmp.path / "share").string();  // a directory, not a repository: copied
    o.template_spec += "#tenantctl/templates/missing";
    r = init_project(o, env_with());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("has no directory \"tenantctl/templates/missing\"") != std::string::npos);
    CHECK_FALSE(fs::exists(tmp.path / "p"));
    for (const auto& e : fs::directory_iterator(tmp.path))
        CHECK(e.path().filename().string().find(".tenantctl-") == std::string::npos);
}

TEST_CASE("scaffold: init from a local git repository (libgit2) with #subdir, and from a plain directory") {
    TempDir tmp;
    fs::path t = make_templates(tmp.path);
    // Make tmp/repo a git repository with one commit holding templates/demo (created with libgit2 itself).
    fs::path repo_dir = tmp.path / "repo";
    fs::create_directories(repo_dir);
    fs::copy(t, repo_dir / "templates", fs::copy_options::recursive);
    tenantctl::testing::git_commit_all(repo_dir.string(), "templates");
    write(repo_dir / "templates" / "demo" / "uncommitted.txt", "not in the commit\n");

    InitOptions o;
    o.base_dir = tmp.str();
    o.target_dir = "from-git";
    o.template_spec = "file://" + repo_dir.string() + "#templates/demo";
    auto r = init_project(o, env_with());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    CHECK(r->source == "git");
    CHECK(r->name == "from-git");
    CHECK(slurp(tmp.path / "from-git" / "wrangler.jsonc").find("\"from-git\"") != std::string::npos);
    CHECK_FALSE(fs::exists(tmp.path / "from-git" / "uncommitted.txt"));  // a clone: committed files only
    CHECK_FALSE(fs::exists(tmp.path / "from-git" / ".git"));
    CHECK((fs::status(tmp.path / "from-git" / "bin" / "app").permissions() & fs::perms::owner_exec) != fs::perms::none);

    o.target_dir = "from-path";
    o.template_spec = "./repo#templates/other";
    r = init_project(o, env_with());
    REQUIRE(r.ok());
    CHECK(r->files == std::vector<std::string>{"wrangler.toml"});

    o.target_dir = "from-dir";
    o.template_spec = (t / "demo").string();  // not a repository: copied as it is
    r = init_project(o, env_with());
    REQUIRE(r.ok());
    CHECK(r->source == "directory");
    CHECK(fs::exists(tmp.path / "from-dir" / "src" / "index.js"));

    o.target_dir = (t / "demo" / "sub").string();  // inside the directory it copies: refused
    r = init_project(o, env_with());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("is inside the template directory") != std::string::npos);
    CHECK_FALSE(fs::exists(t / "demo" / "sub"));
    for (const auto& e : fs::directory_iterator(tmp.path))
        CHECK(e.path().filename().string().find(".tenantctl-") == std::string::npos);
}

TEST_CASE("scaffold: init stops when interrupted (Ctrl-C) and leaves nothing behind") {
    TempDir tmp;
    make_templates(tmp.path);
    InitOptions o;
    o.base_dir = tmp.str();
    o.target_dir = "p";
    o.template_spec = "demo";
    o.exe_path = (tmp.path / "bin" / "tenantctl").string();
    CancelToken::global().cancel();
    auto r = init_project(o, env_with());
    CancelToken::global().reset();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Interrupted);
    CHECK_FALSE(fs::exists(tmp.path / "p"));
    for (const auto& e : fs::directory_iterator(tmp.path))
        CHECK(e.path().filename().string().find(".tenantctl-") == std::string::npos);
}
