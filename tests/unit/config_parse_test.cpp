// config: the TOML and JSON/JSONC readers — positions, syntax errors rendered exactly, BOMs, JSONC scanner.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "config/node.hpp"

using namespace tenantctl;
using namespace tenantctl::config;

namespace {

std::string render_parse_error(std::string_view text, Format f, const std::string& file) {
    auto r = parse_config_text(text, f, file);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().diagnostics.size() == 1);
    SourceText src(file, std::string(text));
    return render_diagnostic(r.error().diagnostics[0], &src);
}

}  // namespace

TEST_CASE("config: JSONC scanner records where every key and value starts") {
    const std::string text =
        "// leading comment\n"
        "{\n"
        "  /* block\n"
        "     comment */ \"name\": \"router\", // after\n"
        "  \"vars\": { \"A\": 1, \"B\": [true, null,], },\n"
        "}\n";
    auto r = parse_jsonc(text, "wrangler.jsonc");
    REQUIRE(r.ok());
    const Node& root = r.value();
    CHECK(root.pos.line == 2);
    CHECK(root.pos.column == 1);
    const Node* name = root.find("name");
    REQUIRE(name);
    CHECK(name->key_pos.line == 4);
    CHECK(name->key_pos.column == 17);
    CHECK(name->pos.line == 4);
    CHECK(name->pos.column == 25);
    CHECK(name->s == "router");
    const Node* vars = root.find("vars");
    REQUIRE(vars);
    CHECK(vars->pos.line == 5);
    CHECK(vars->pos.column == 11);
    const Node* b = vars->find("B");
    REQUIRE(b);
    REQUIRE(b->items.size() == 2);
    CHECK(b->items[1].is_null());
    CHECK(b->items[1].pos.column == 33);
    CHECK(root.to_json() == nlohmann::json::parse(R"({"name":"router","vars":{"A":1,"B":[true,null]}})"));
}

TEST_CASE("config: blank_jsonc removes comments and trailing commas without moving anything") {
    const std::string text = "{\n  \"a\": \"x // not a comment\", // c\n  /* b */ \"b\": [1, 2,],\n}\n";
    std::string blanked = blank_jsonc(text);
    CHECK(blanked.size() == text.size());
    for (size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') CHECK(blanked[i] == '\n');
    CHECK(blanked == "{\n  \"a\": \"x // not a comment\",     \n          \"b\": [1, 2 ] \n}\n");
    auto j = nlohmann::json::parse(blanked);
    CHECK(j["a"] == "x // not a comment");
    CHECK(j["b"].size() == 2);
}

TEST_CASE("config: JSON duplicate keys - the last one wins") {
    auto r = parse_jsonc(R"({"name": "a", "x": 1, "name": "b"})", "wrangler.json");
    REQUIRE(r.ok());
    CHECK(r.value().items.size() == 2);
    CHECK(r.value().find("name")->s == "b");
    CHECK(r.value().find("name")->pos.column == 31);
}

TEST_CASE("config: JSON duplicate keys in large and nested objects - the last one wins, in the first one's place") {
    // 40 members (the duplicate lookup switches to a hash index at 16), nested objects and arrays in between.
    std::string text = "{\n";
    for (int i = 0; i < 40; ++i)
        text += "  \"k" + std::to_string(i) + "\": {\"n\": [" + std::to_string(i) + ", {\"d\": 1}]},\n";
    text += "  \"k5\": \"five\",\n  \"k33\": {\"x\": {\"y\": [1, 2, 3]}},\n  \"k0\": null,\n}\n";
    auto r = parse_jsonc(text, "wrangler.jsonc");
    REQUIRE(r.ok());
    const Node& root = r.value();
    REQUIRE(root.items.size() == 40);
    for (int i = 0; i < 40; ++i) CHECK(root.items[static_cast<size_t>(i)].key == "k" + std::to_string(i));
    CHECK(root.items[5].s == "five");
    CHECK(root.items[5].pos.line == 42);
    CHECK(root.items[0].is_null());
    CHECK(root.items[33].find("x")->find("y")->items.size() == 3);
    CHECK(root.items[34].find("n")->items[0].i == 34);
    CHECK(root.items[34].find("n")->items[1].find("d")->pos.line == 36);
    CHECK(root.items[34].find("n")->items[1].find("d")->pos.column == 27);
}

TEST_CASE("config: JSONC syntax error is rendered with the offending token's position") {
    const std::string text =
        "{\n  \"name\": \"broken\",\n  \"main\": \"src/index.js\"\n  \"compatibility_date\": \"2025-06-01\"\n}\n";
    CHECK(render_parse_error(text, Format::Jsonc, "wrangler.jsonc") ==
          "wrangler.jsonc:4:3: error: CommaExpected: expected ',' or '}' after a property value\n"
          "  4 |   \"compatibility_date\": \"2025-06-01\"\n"
          "    |   ^\n"
          "  hint: a comma is missing before this\n");
}

TEST_CASE("config: JSON syntax errors use jsonc-parser's names") {
    CHECK(render_parse_error("{\n  name: \"x\"\n}\n", Format::Json, "wrangler.json") ==
          "wrangler.json:2:3: error: InvalidSymbol: unexpected 'name'\n"
          "  2 |   name: \"x\"\n"
          "    |   ^\n"
          "  hint: strings must be quoted; literals are true, false and null\n");
    CHECK(render_parse_error("{ \"a\": 1,, }", Format::Json, "w.json") ==
          "w.json:1:10: error: PropertyNameExpected: expected a property name in double quotes\n"
          "  1 | { \"a\": 1,, }\n"
          "    |          ^\n");
    CHECK(render_parse_error("{\"a\": [1, 2}", Format::Jsonc, "w.jsonc") ==
          "w.jsonc:1:12: error: CommaExpected: expected ',' or ']' after an array element\n"
          "  1 | {\"a\": [1, 2}\n"
          "    |            ^\n"
          "  hint: a comma is missing before this\n");
    CHECK(render_parse_error("{\"a\": \"unterminated\n}", Format::Jsonc, "w.jsonc") ==
          "w.jsonc:1:7: error: UnexpectedEndOfString: a string is never closed on its line\n"
          "  1 | {\"a\": \"unterminated\n"
          "    |       ^\n"
          "  hint: add the closing \" (use \\n for a line break)\n");
    CHECK(render_parse_error("{\"a\": 1} x", Format::Jsonc, "w.jsonc").find("w.jsonc:1:10: error: InvalidSymbol") == 0);
    CHECK(
        render_parse_error("{\"a\": 1}\n{}", Format::Jsonc, "w.jsonc").find("w.jsonc:2:1: error: EndOfFileExpected") ==
        0);
    CHECK(render_parse_error("{\"a\": 1 /* open", Format::Jsonc, "w.jsonc")
              .find("w.jsonc:1:9: error: UnexpectedEndOfComment") == 0);
    CHECK(render_parse_error("", Format::Jsonc, "w.jsonc").find("w.jsonc:1:1: error: ValueExpected") == 0);
}

TEST_CASE("config: a JSON top level that is not an object reads as an empty config") {
    auto r = parse_config_text("[1, 2]", Format::Json, "wrangler.json");
    REQUIRE(r.ok());
    CHECK(r.value().is_object());
    CHECK(r.value().items.empty());
}

TEST_CASE("config: deep nesting is an error, not a stack overflow") {
    std::string deep(100000, '[');
    auto r = parse_jsonc(deep, "deep.json");
    CHECK_FALSE(r.ok());
}

TEST_CASE("config: TOML syntax error points at the exact spot") {
    const std::string text = "name = \"broken\"\nmain =\ncompatibility_date = \"2025-06-01\"\n";
    std::string out = render_parse_error(text, Format::Toml, "wrangler.toml");
    CHECK(out.rfind("wrangler.toml:2:7: error: Invalid TOML document: ", 0) == 0);
    CHECK(out.find("\n  2 | main =\n    |       ^\n") != std::string::npos);
}

TEST_CASE("config: TOML positions are byte columns and tables keep file order") {
    const std::string text = "name = \"é-app\" # ü\n[env.zeta]\n[env.alpha]\nvars = { K = \"v\" }\n";
    auto r = parse_toml(text, "wrangler.toml");
    REQUIRE(r.ok());
    const Node* env = r.value().find("env");
    REQUIRE(env);
    REQUIRE(env->items.size() == 2);
    CHECK(env->items[0].key == "zeta");
    CHECK(env->items[1].key == "alpha");
    const Node* vars = env->items[1].find("vars");
    REQUIRE(vars);
    CHECK(vars->key_pos.line == 4);
    CHECK(vars->key_pos.column == 1);
    CHECK(vars->find("K")->pos.column == 14);
    // A line with multi-byte characters: the position is in bytes, so carets line up in the raw line.
    auto bad = parse_toml("x = \"é\" y\n", "w.toml");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().diagnostics[0].column == 10);
}

TEST_CASE("config: TOML values keep JavaScript number semantics and dates stay dates") {
    auto r = parse_toml("a = 5.0\nb = 0.25\nc = 2025-06-01\n", "w.toml");
    REQUIRE(r.ok());
    CHECK(r.value().find("a")->to_json().dump() == "5");
    CHECK(r.value().find("b")->to_json().dump() == "0.25");
    CHECK(r.value().find("c")->kind == Node::Kind::Date);
    CHECK(r.value().find("c")->js_stringify() == "\"2025-06-01\"");
}

TEST_CASE("config: byte order marks") {
    auto utf8 = strip_bom("\xEF\xBB\xBFname = \"x\"\n", "wrangler.toml");
    REQUIRE(utf8.ok());
    CHECK(utf8.value() == "name = \"x\"\n");
    auto utf16 = strip_bom(std::string("\xFF\xFEn\0a\0", 6), "wrangler.toml");
    REQUIRE_FALSE(utf16.ok());
    CHECK(utf16.error().diagnostics[0].message == "Configuration file contains UTF-16 LE byte order marker");
    auto utf32 = strip_bom(std::string("\x00\x00\xFE\xFF", 4), "wrangler.json");
    REQUIRE_FALSE(utf32.ok());
    CHECK(utf32.error().message == "configuration file wrangler.json contains a UTF-32 BE byte order marker");
}

TEST_CASE("config: compatibility_date is checked like JavaScript's new Date()") {
    for (const char* ok : {"2025-06-01", "2025-6-1", "2025-02-30", "2025", "2025-06", "2025-06-01T10:00:00Z",
                           "June 1, 2025", "2025/06/01", "1 Jun 2025"})
        CHECK_MESSAGE(js_date_is_valid(ok), ok);
    for (const char* bad : {"20250601", "2025-13-01", "yesterday", "", "2025-06-32", "2025-06-01T25:00"})
        CHECK_FALSE_MESSAGE(js_date_is_valid(bad), bad);
}
