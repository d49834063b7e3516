// config: the TOML reader (lib/config/toml_reader.cpp, toml++ underneath) — byte positions, file order, values
// and dates as the tree holds them, syntax errors at their position, the nesting bound.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "config/node.hpp"

using namespace tenantctl;
using namespace tenantctl::config;

namespace {

struct At {
    int line, column;
};

void check_pos(const Node* n, At key, At value) {
    REQUIRE(n);
    CHECK(n->key_pos.line == key.line);
    CHECK(n->key_pos.column == key.column);
    CHECK(n->pos.line == value.line);
    CHECK(n->pos.column == value.column);
}

std::string error_of(const std::string& text) {
    auto r = parse_toml(text, "w.toml");
    if (r.ok()) return "accepted";
    REQUIRE(r.error().diagnostics.size() == 1);
    const auto& d = r.error().diagnostics[0];
    CHECK(d.severity == Severity::Error);
    CHECK(d.file == "w.toml");
    CHECK(r.error().kind == ErrorKind::Config);
    CHECK(r.error().message == "w.toml:" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
    return std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.message;
}

std::vector<std::string> keys_of(const Node* n) {
    std::vector<std::string> k;
    if (n)
        for (const auto& m : n->items) k.push_back(m.key);
    return k;
}

}  // namespace

TEST_CASE("config toml: positions are byte columns of keys and values") {
    const std::string text =
        "name = \"é-app\" # ü\n"             // 1
        "  [ env . \"staging\" ]  # x\n"     // 2
        "vars = { K = \"v\", \"ü\" = 2 }\n"  // 3
        "a.b.c = 1979-05-27\n"               // 4
        "[[kv]]\n"                           // 5
        "id = [1, [2]]\n"                    // 6
        "[[kv]]\n"                           // 7
        "[x.y.z]\n"                          // 8
        "[x]\n"                              // 9
        "é = 'w'\n"                          // 10
        ;
    // line 10 is invalid on purpose: a bare key cannot be non-ASCII.
    CHECK(error_of(text) ==
          "10:1 Invalid TOML document: expected keys, tables, whitespace or comments, saw 'é' (parsing root table)");
    auto r = parse_toml(text.substr(0, text.rfind("é = ")), "w.toml");
    REQUIRE(r.ok());
    const Node& root = r.value();
    CHECK(root.pos.line == 1);
    CHECK(root.pos.column == 1);
    check_pos(root.find("name"), {1, 1}, {1, 8});
    const Node* env = root.find("env");
    check_pos(env, {2, 5}, {2, 3});  // implicit table: at the '[' of the header that made it
    const Node* staging = env->find("staging");
    check_pos(staging, {2, 11}, {2, 3});  // header table: the key inside the header, the value at its '['
    const Node* vars = staging->find("vars");
    check_pos(vars, {3, 1}, {3, 8});
    check_pos(vars->find("K"), {3, 10}, {3, 14});
    check_pos(vars->find("ü"), {3, 19}, {3, 26});  // byte columns: "ü" is 2 bytes
    const Node* a = staging->find("a");
    check_pos(a, {4, 1}, {4, 1});  // dotted-key tables start at their own key
    check_pos(a->find("b"), {4, 3}, {4, 3});
    check_pos(a->find("b")->find("c"), {4, 5}, {4, 9});
    CHECK(a->find("b")->find("c")->kind == Node::Kind::Date);
    const Node* kv = root.find("kv");
    check_pos(kv, {5, 3}, {5, 1});
    REQUIRE(kv->items.size() == 2);
    CHECK(kv->items[0].pos.line == 5);
    CHECK(kv->items[1].pos.line == 7);
    CHECK(kv->items[1].pos.column == 1);
    const Node* id = kv->items[0].find("id");
    check_pos(id, {6, 1}, {6, 6});
    CHECK(id->items[1].pos.column == 10);
    CHECK(id->items[1].items[0].pos.column == 11);
    const Node* x = root.find("x");
    check_pos(x, {8, 2}, {9, 1});  // implicit at [x.y.z], then defined by [x]: the defining header
    check_pos(x->find("y"), {8, 4}, {8, 1});
}

TEST_CASE("config toml: members keep file order (first definition of each key)") {
    auto r = parse_toml(
        "z = 1\nb = 2\n[env.zeta]\n[env.alpha]\n[q.r]\n[a]\n[q]\nm = 1\n[env.beta]\n[[arr]]\n[q.b]\n[env.alpha.x]\n",
        "w.toml");
    REQUIRE(r.ok());
    CHECK(keys_of(&r.value()) == std::vector<std::string>{"z", "b", "env", "q", "a", "arr"});
    CHECK(keys_of(r.value().find("env")) == std::vector<std::string>{"zeta", "alpha", "beta"});
    CHECK(keys_of(r.value().find("q")) == std::vector<std::string>{"r", "m", "b"});
    // A big table (indexed lookup) keeps file order too and finds duplicates.
    std::string big = "[vars]\n";
    for (int i = 400; i > 0; --i) big += "V" + std::to_string(i) + " = " + std::to_string(i) + "\n";
    auto b = parse_toml(big, "w.toml");
    REQUIRE(b.ok());
    const Node* vars = b.value().find("vars");
    REQUIRE(vars->items.size() == 400);
    CHECK(vars->items.front().key == "V400");
    CHECK(vars->items.back().key == "V1");
    CHECK(vars->find("V17")->i == 17);
    CHECK(vars->items[0].i == 400);  // parse bookkeeping never leaks into values
    CHECK(b.value().i == 0);
    CHECK(vars->i == 0);
    CHECK(error_of(big + "V250 = 1\n") ==
          "402:8 Invalid TOML document: cannot redefine existing integer 'V250' (parsing key-value pair)");
}

TEST_CASE("config toml: values") {
    auto r = parse_toml(
        "s = \"a\\tb\\u00e9\\U0001F600\\\"\"\n"
        "l = 'C:\\x'\n"
        "m = \"\"\"\nline1\\\n   line2\r\nline3\"\"\"\n"
        "ml = '''\n raw '' \\n'''\n"
        "i = [0x_ff, 0xff, 0o17, 0b101, -9223372036854775808, 1_000, +5]\n"
        "f = [1.5, -0.0, 1e3, 6.626e-34, inf, -inf, nan, 1e-400]\n"
        "d = [1979-05-27T07:32:00Z, 1979-05-27 07:32:00.999999-07:00, 07:32:00, 1979-05-27, "
        "1979-05-27T00:32:00.5, 07:32:00.1234567891, 1979-05-27T07:32:00+00:00, 1979-05-27t07:32:00z, "
        "1979-05-27T07:32:00.100-00:30, 1979-05-27T07:32:00.000]\n"
        "b = [true, false]\n",
        "w.toml");
    // 0x_ff is invalid: check the error, then parse without it.
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().diagnostics[0].line == 9);
    CHECK(r.error().diagnostics[0].column == 8);
    r = parse_toml(
        "s = \"a\\tb\\u00e9\\U0001F600\\\"\"\n"
        "l = 'C:\\x'\n"
        "m = \"\"\"\nline1\\\n   line2\r\nline3\"\"\"\n"
        "ml = '''\n raw '' \\n'''\n"
        "i = [0xff, 0o17, 0b101, -9223372036854775808, 1_000, +5]\n"
        "f = [1.5, -0.0, 1e3, 6.626e-34, inf, -inf, nan, 1e-400]\n"
        "d = [1979-05-27T07:32:00Z, 1979-05-27 07:32:00.999999-07:00, 07:32:00, 1979-05-27, "
        "1979-05-27T00:32:00.5, 07:32:00.1234567891, 1979-05-27T07:32:00+00:00, 1979-05-27t07:32:00z, "
        "1979-05-27T07:32:00.100-00:30, 1979-05-27T07:32:00.000]\n"
        "b = [true, false]\n",
        "w.toml");
    REQUIRE(r.ok());
    const Node& v = r.value();
    CHECK(v.find("s")->s == "a\tb\xC3\xA9\xF0\x9F\x98\x80\"");
    CHECK(v.find("l")->s == "C:\\x");
    CHECK(v.find("m")->s == "line1line2\nline3");
    CHECK(v.find("ml")->s == " raw '' \\n");
    const Node* i = v.find("i");
    REQUIRE(i->items.size() == 6);
    CHECK(i->items[0].i == 255);
    CHECK(i->items[1].i == 15);
    CHECK(i->items[2].i == 5);
    CHECK(i->items[3].i == INT64_MIN);
    CHECK(i->items[4].i == 1000);
    CHECK(i->items[5].i == 5);
    const Node* f = v.find("f");
    CHECK(f->items[0].f == 1.5);
    CHECK(std::signbit(f->items[1].f));
    CHECK(f->items[2].f == 1000);
    CHECK(std::isinf(f->items[4].f));
    CHECK(f->items[5].f < 0);
    CHECK(std::isnan(f->items[6].f));
    CHECK(f->items[7].f == 0);
    std::vector<std::string> dates;
    for (const auto& d : v.find("d")->items) {
        CHECK(d.kind == Node::Kind::Date);
        dates.push_back(d.s);
    }
    // The text toml++'s operator<< produced: 'T', offset +00:00 as Z, fraction without trailing zeros, 9 digits.
    CHECK(dates == std::vector<std::string>{"1979-05-27T07:32:00Z", "1979-05-27T07:32:00.999999-07:00", "07:32:00",
                                            "1979-05-27", "1979-05-27T00:32:00.5", "07:32:00.123456789",
                                            "1979-05-27T07:32:00Z", "1979-05-27T07:32:00Z",
                                            "1979-05-27T07:32:00.1-00:30", "1979-05-27T07:32:00"});
    CHECK(v.find("b")->items[0].b);
}

TEST_CASE("config toml: typical mistakes give one diagnostic where toml++ stopped, in byte columns") {
    CHECK(error_of("name = \"broken\"\nmain =\ncompatibility_date = \"2025-06-01\"\n") ==
          "2:7 Invalid TOML document: expected value, saw '\\n' (parsing key-value pair)");
    CHECK(error_of("name = \"x\"\nroute = \"a.com/*\n") ==
          "2:17 Invalid TOML document: unterminated string (a line break before its closing quote)");
    CHECK(error_of("name = \"x\"\nname = \"y\"\n") ==
          "2:8 Invalid TOML document: cannot redefine existing string 'name' (parsing key-value pair)");
    CHECK(error_of("[env.staging]\nname = 1\n[env.staging]\n") ==
          "3:1 Invalid TOML document: cannot redefine existing table 'env.staging' (parsing table header)");
    CHECK(
        error_of("vars = { A = 1, }\n") ==
        "1:17 Invalid TOML document: expected key-value pair, saw closing '}' (dangling comma) (parsing inline table)");
    CHECK(error_of("vars = { A = 1 }\n[vars.more]\n") ==
          "2:13 Invalid TOML document: cannot insert 'vars.more' into existing inline table (parsing table header)");
    CHECK(error_of("routes = [\"a\", \"b\"\nname = \"x\"\n") ==
          "2:1 Invalid TOML document: expected comma or closing ']', saw 'n' (parsing array)");
    CHECK(error_of("workers_dev = True\n") == "1:15 Invalid TOML document: expected 'true', saw 'T' (parsing boolean)");
    CHECK(error_of("compatibility_date = 2025-13-01\n") ==
          "1:29 Invalid TOML document: expected month between 1 and 12 (inclusive), saw 13 (parsing date)");
    CHECK(error_of("name \"x\"\n") == "1:6 Invalid TOML document: expected '=', saw '\"' (parsing key-value pair)");
    CHECK(error_of("[env.staging\nname = 1\n") ==
          "1:13 Invalid TOML document: expected ']', saw '\\n' (parsing table header)");
    CHECK(
        error_of("x = \"\xC3\xA9\xC3\xA9\" y\n") ==
        "1:12 Invalid TOML document: expected a comment or whitespace, saw 'y' (parsing key-value pair)");  // after two
                                                                                                            // 2-byte
                                                                                                            // characters:
                                                                                                            // byte
                                                                                                            // column 12
    CHECK(error_of("p = \"C:\\path\"\n") ==
          "1:9 Invalid TOML document: unknown escape sequence '\\p' (parsing string)");
    CHECK(error_of("kv = []\n[[kv]]\n") ==
          "2:1 Invalid TOML document: cannot redefine existing array 'kv' as array-of-tables (parsing table header)");
    CHECK(error_of("s = \"\xFF\"\n") == "1:5 Invalid TOML document: encountered invalid utf-8 sequence");
    CHECK(error_of("a = [1\n") == "1:8 Invalid TOML document: encountered end-of-file (parsing array)");
    CHECK(error_of("= 1\n") ==
          "1:1 Invalid TOML document: expected keys, tables, whitespace or comments, saw '=' (parsing root table)");
}

TEST_CASE("config toml: nesting is bounded before toml++ sees the text, never a stack overflow") {
    // Values: toml++'s own limit (TOML_MAX_NESTED_VALUES, 256).
    std::string ok = "a = " + std::string(255, '[') + "1" + std::string(255, ']') + "\n";
    CHECK(parse_toml(ok, "w.toml").ok());
    std::string deep = "a = " + std::string(256, '[') + "1" + std::string(256, ']') + "\n";
    CHECK(error_of(deep) ==
          "1:261 Invalid TOML document: exceeded maximum nested value depth of 256 (TOML_MAX_NESTED_VALUES) (parsing "
          "value)");
    CHECK_FALSE(parse_toml("a = " + std::string(100000, '['), "w.toml").ok());
    std::string inl = "a = ";
    for (int i = 0; i < 100000; ++i) inl += "{b=";
    CHECK_FALSE(parse_toml(inl, "w.toml").ok());
    // Keys: dotted keys and headers, which toml++ does not bound, deeper than 1024 levels.
    std::string dotted;
    for (int i = 0; i < 100000; ++i) dotted += "a.";
    const std::string too_deep =
        "Invalid TOML document: nested more than 1024 levels deep (tables, dotted keys, "
        "arrays and inline tables)";
    CHECK(error_of(dotted + "a = 1\n") == "1:2049 " + too_deep);
    CHECK(error_of("[" + dotted + "a]\n") == "1:2050 " + too_deep);
    CHECK(error_of("x = {" + dotted + "a = 1}\n") == "1:2050 " + too_deep);
    std::string fine;
    for (int i = 0; i < 1000; ++i) fine += "a.";
    CHECK(error_of("[" + fine + "a]\n" + fine + "b = 1\n") == "2:45 " + too_deep);  // 2003 levels
    CHECK(parse_toml("[" + fine + "a]\nb = 1\n", "w.toml").ok());
    // Quoted segments are segments; dots inside strings and comments are not.
    std::string quoted;
    for (int i = 0; i < 2000; ++i) quoted += "\"a\".";
    CHECK_FALSE(parse_toml(quoted + "a = 1\n", "w.toml").ok());
    std::string text = "s = \"" + dotted + "\" # " + dotted + "\nm = '''\n" + dotted + "'''\n";
    CHECK(parse_toml(text, "w.toml").ok());
}

TEST_CASE("config toml: large inputs, and positions on long non-ASCII lines") {
    std::string t;
    for (int i = 0; i < 20000; ++i) t += "k" + std::to_string(i) + " = [" + std::to_string(i) + ", \"x\"]\n";
    for (int i = 0; i < 5000; ++i) t += "[[aot]]\nv = " + std::to_string(i) + "\n";
    for (int i = 0; i < 5000; ++i) t += "[tab.t" + std::to_string(i) + ".x]\n";
    t += "long = \"" + std::string(1 << 20, 'x') + "\"\n";
    auto r = parse_toml(t, "w.toml");
    REQUIRE(r.ok());
    CHECK(r.value().items.size() == 20002);
    CHECK(r.value().items[19999].key == "k19999");
    CHECK(r.value().find("aot")->items.size() == 5000);
    CHECK(r.value().find("k19999")->items[0].i == 19999);
    CHECK(r.value().find("tab")->items.size() == 5000);
    CHECK(r.value().find("tab")->find("t4999")->find("x")->find("long")->s.size() == (1u << 20));
    // One line: "é = { k0 = "é", k1 = "é", … }" — members in file order, every column in bytes.
    std::string line = "\"\xC3\xA9\" = {";
    for (int i = 0; i < 3000; ++i) line += (i ? ", k" : " k") + std::to_string(i) + " = \"\xC3\xA9\"";
    line += " }\n";
    auto l = parse_toml(line, "w.toml");
    REQUIRE(l.ok());
    const Node* e = l.value().find("\xC3\xA9");
    REQUIRE(e);
    REQUIRE(e->items.size() == 3000);
    for (size_t i = 0; i < e->items.size(); ++i) {
        const Node& m = e->items[i];
        const std::string key = "k" + std::to_string(i);
        REQUIRE(m.key == key);
        CHECK(line.compare(static_cast<size_t>(m.key_pos.column - 1), key.size() + 3, key + " = ") == 0);
        CHECK(line.compare(static_cast<size_t>(m.pos.column - 1), 4, "\"\xC3\xA9\"") == 0);
    }
}
