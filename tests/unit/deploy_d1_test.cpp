// D1 commands' pure parts (deploy/d1.hpp, workers/d1_migrations.hpp): migration file order, the batch a migration is
// applied with, the error offset the local platform reports (platform/d1.hpp) mapped back to a file's line, the config
// binding a name resolves to; and the bulk pool's failure budget the tenants migration runs under.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>

#include "core/fs.hpp"
#include "deploy/d1.hpp"
#include "platform/d1.hpp"
#include "tenants/bulk.hpp"
#include "workers/d1_migrations.hpp"

using namespace tenantctl;
using namespace tenantctl::deploy;
using namespace tenantctl::workers;
using nlohmann::json;

namespace {

std::vector<std::string> names_of(const std::vector<Migration>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.name);
    return out;
}

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("d1 migrations: ordered by number (not text), then name; files without a number last") {
    CHECK(migration_number("0001_init.sql") == 1);
    CHECK(migration_number("10_more.sql") == 10);
    CHECK(migration_number("init.sql") == -1);
    std::vector<Migration> ms;
    for (const char* n : {"10_ten.sql", "0002_b.sql", "zzz.sql", "0002_a.sql", "9_nine.sql", "0001_init.sql"})
        ms.push_back({n, n, migration_number(n)});
    sort_migrations(ms);
    CHECK(names_of(ms) ==
          std::vector<std::string>{"0001_init.sql", "0002_a.sql", "0002_b.sql", "9_nine.sql", "10_ten.sql", "zzz.sql"});
}

TEST_CASE("d1 migrations: the folder's .sql files only; a missing folder is NotFound") {
    PrivateTempDir dir;
    REQUIRE_FALSE(dir.path().empty());
    write(join_path(dir.path(), "0002_users.sql"), "CREATE TABLE u(id);");
    write(join_path(dir.path(), "0001_init.sql"), "CREATE TABLE i(id);");
    write(join_path(dir.path(), "README.md"), "not a migration");
    REQUIRE(make_dirs(join_path(dir.path(), "0003_dir.sql")).ok());  // a directory is not a migration
    auto r = list_migrations(dir.path());
    REQUIRE(r.ok());
    CHECK(names_of(*r) == std::vector<std::string>{"0001_init.sql", "0002_users.sql"});
    CHECK(r->front().path == join_path(dir.path(), "0001_init.sql"));
    auto missing = list_migrations(join_path(dir.path(), "nope"));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::NotFound);
}

TEST_CASE("d1 migrations: the batch is the file, then its record; the table name is checked") {
    std::string b = migration_batch("CREATE TABLE t(x);", "0001_it's.sql", "d1_migrations");
    CHECK(b.rfind("CREATE TABLE t(x);\n", 0) == 0);
    CHECK(b.find("INSERT INTO d1_migrations (name) VALUES ('0001_it''s.sql');") != std::string::npos);
    CHECK(check_migrations_table("d1_migrations").ok());
    CHECK_FALSE(check_migrations_table("x; DROP TABLE y").ok());
    CHECK_FALSE(check_migrations_table("1abc").ok());
    CHECK_FALSE(check_migrations_table("").ok());
}

TEST_CASE("d1 errors: D1's offset is read from the message and mapped to line and column") {
    CHECK(d1_error_offset("near \"CREAT\": syntax error at offset 27: SQLITE_ERROR") == 27);
    CHECK(d1_error_offset("request POST … failed with HTTP 400: no such table: x: SQLITE_ERROR (code 7500)") == -1);
    std::string text = "-- users\nCREATE TABLE u(id);\n  CREAT TABLE v(id);\n";
    auto p = position_at(text, static_cast<long long>(text.find("CREAT TABLE v")));
    CHECK(p.line == 3);
    CHECK(p.column == 3);
    CHECK(position_at(text, 0).line == 1);
    CHECK(position_at(text, static_cast<long long>(text.size())).line == 0);  // past the file: the record's INSERT
    Error e(ErrorKind::Api, "request failed");
    e.api_errors.push_back({7500, "near \"CREAT\": syntax error at offset 27: SQLITE_ERROR"});
    CHECK(d1_error_text(e) == "near \"CREAT\": syntax error");
}

TEST_CASE("d1 errors: the local platform names SQLite's offset into the whole batch, which maps to the file") {
    PrivateTempDir dir;
    std::string db = join_path(dir.path(), "x.sqlite");
    std::string file = "CREATE TABLE a(x);\n\n-- the broken one\nCREAT TABLE b(y);\n";
    auto r = platform::d1_run(db, migration_batch(file, "0001_a.sql", "d1_migrations"), nullptr, false);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("syntax error at offset") != std::string::npos);
    auto p = position_at(file, d1_error_offset(r.error().message));
    CHECK(p.line == 4);
    CHECK(p.column == 1);
    // Nothing of the failed batch stayed (table a was rolled back).
    auto t = platform::d1_run(db, "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'a'", nullptr, false);
    REQUIRE(t.ok());
    CHECK((*t)[0]["results"][0]["n"] == 0);
    // An error SQLite gives no offset for points at the failing statement.
    REQUIRE(platform::d1_run(db, "CREATE TABLE c(x);", nullptr, false).ok());
    std::string second = "CREATE TABLE d(x);\n  CREATE TABLE c(x);\n";
    auto dup = platform::d1_run(db, second, nullptr, false);
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().message.find("already exists") != std::string::npos);
    CHECK(position_at(second, d1_error_offset(dup.error().message)).line == 2);
}

TEST_CASE("d1 target: a config binding by binding or database_name, with its folder and table; else the name") {
    json cfg = {{"d1_databases", json::array({{{"binding", "DB"},
                                               {"database_name", "main-db"},
                                               {"database_id", "4e1c28a9-90e4-41da-8b4b-6cf36e5abb29"},
                                               {"migrations_dir", "db/migrations"},
                                               {"migrations_table", "schema_log"}}})}};
    for (const char* arg : {"DB", "main-db"}) {
        auto t = d1_target(config::bindings_of(cfg), "/p", arg);
        REQUIRE(t.ok());
        CHECK(t->binding == "DB");
        CHECK(t->name == "main-db");
        CHECK(t->id == "4e1c28a9-90e4-41da-8b4b-6cf36e5abb29");
        CHECK(t->migrations_dir == "/p/db/migrations");
        CHECK(t->migrations_table == "schema_log");
    }
    auto other = d1_target(config::bindings_of(cfg), "/p", "other");
    REQUIRE(other.ok());
    CHECK(other->binding.empty());
    CHECK(other->name == "other");
    CHECK(other->migrations_dir == "/p/migrations");
    CHECK(other->migrations_table == "d1_migrations");
    CHECK_FALSE(d1_target({}, "/p", "").ok());
}

TEST_CASE("bulk pool: the failure budget bounds what is in flight and stops new work once spent") {
    std::vector<std::string> ids;
    for (int i = 0; i < 30; ++i) ids.push_back("t-" + std::to_string(i));
    tenants::BulkOptions o;
    o.concurrency = 8;
    o.max_failures = 3;
    std::atomic<int> started{0};
    auto items = tenants::for_each_tenant(
        ids,
        [&](const std::string&, std::string&) -> Status {
            ++started;
            return Error(ErrorKind::Api, "every one fails");
        },
        o);
    CHECK(started.load() == 3);
    int not_started = 0;
    for (const auto& it : items) not_started += it.started ? 0 : 1;
    CHECK(not_started == 27);
}
