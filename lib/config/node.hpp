#pragma once
// The position-annotated document tree both parsers (TOML, JSON/JSONC) produce, so that normalization and
// validation never need to know which format a configuration was written in.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/result.hpp"

namespace tenantctl::config {

// 1-based line and byte column in the source text; {0,0} = unknown.
struct Pos {
    int line = 0;
    int column = 0;
};

struct Node {
    enum class Kind { Null, Bool, Int, Float, String, Date, Array, Object };

    Kind kind = Kind::Null;
    bool b = false;
    std::int64_t i = 0;
    double f = 0;
    std::string s;            // String value, or the TOML text of a Date/Time value
    std::vector<Node> items;  // array elements, or object members in file order (each with `key` set)
    std::string key;          // set on object members
    Pos key_pos;              // where the member's key starts
    Pos pos;                  // where the value starts

    bool is_null() const { return kind == Kind::Null; }
    bool is_bool() const { return kind == Kind::Bool; }
    bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
    bool is_string() const { return kind == Kind::String; }
    bool is_array() const { return kind == Kind::Array; }
    bool is_object() const { return kind == Kind::Object; }
    double number() const { return kind == Kind::Int ? static_cast<double>(i) : f; }

    // Object member lookup (nullptr when absent or when this is not an object).
    const Node* find(std::string_view k) const;
    Node* find(std::string_view k);

    // The value as JSON, with JavaScript number semantics (integral floats become integers, like JSON.stringify).
    nlohmann::json to_json() const;
    // JSON.stringify(value): compact JSON text, used in wrangler-style messages.
    std::string js_stringify() const;
    // A short name of the kind for type errors: "string", "number", "boolean", "array", "object", …
    const char* type_name() const;
};

// JSON / JSONC (both accept // and /* */ comments and trailing commas, like wrangler's jsonc-parser).
// Duplicate keys: the last one wins (position of the last one). On a syntax error the Error carries one
// Diagnostic with the position of the offending token and a jsonc-parser error name (CommaExpected, …).
Result<Node> parse_jsonc(std::string_view text, const std::string& file);

// Blanks comments and trailing commas with spaces, keeping every other byte (and every newline) where it
// was, so offsets and line/column positions in the result are those of the input. Strings are respected.
std::string blank_jsonc(std::string_view text);

// TOML 1.0 via toml++ (see toml_reader.cpp). Tables keep file order; positions are byte columns. On a syntax
// error the Error carries one Diagnostic ("Invalid TOML document: <toml++'s description>" where toml++ stopped).
Result<Node> parse_toml(std::string_view text, const std::string& file);

}  // namespace tenantctl::config
