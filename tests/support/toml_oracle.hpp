#pragma once
// toml++ as the test oracle for our TOML parser (lib/config/toml_reader.cpp): parse a text with both and compare.
// Used by tests/unit/config_toml_test.cpp (differential test) and tests/fuzz/toml_diff_fuzz.cpp. Header-only so the
// fuzz target (one source file) can include it too.
//
// Known toml++ 3.3 deviations from TOML 1.0, where our parser follows the spec (is_toml_pp_deviation):
//  - a leap second (seconds = 60) is valid in TOML 1.0 (time-second = 00-60 in the ABNF); toml++ rejects it;
//  - TOML 1.0 says extra fractional-second precision is truncated; toml++ rejects more than 64 digits;
//  - TOML 1.0 sets no length limit on numbers; toml++ rejects a number longer than 126 characters ("numeric value
//    too long to identify type") or with more than 128 digits ("exceeds length limit of");
//  - after a line-ending backslash in a multi-line basic string TOML 1.0 trims spaces, tabs and line breaks only;
//    toml++ also trims Unicode horizontal whitespace (U+00A0, U+FEFF, U+3000, ...), so its string lacks them.
// Anything else where the two disagree is a bug in one of them.
#include <toml++/toml.h>
#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>

#include "config/node.hpp"

namespace tenantctl::testing {

struct OracleResult {
    bool ours_ok = false;
    bool theirs_ok = false;
    std::string theirs_error;  // toml++'s description when it rejected the text
    std::string difference;    // empty when both agree (same accept/reject and, when accepted, the same tree)
    bool deviation = false;    // the disagreement is one of the documented toml++ deviations
};

// The non-ASCII code points toml++ counts as horizontal whitespace (its is_non_ascii_horizontal_whitespace).
inline bool is_toml_pp_unicode_space(char32_t c) {
    return c == 0xA0 || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
           (c >= 0x205F && c <= 0x2060) || c == 0x3000 || c == 0xFEFF;
}

// s without spaces, tabs, newlines and the code points toml++ treats as Unicode horizontal whitespace (s is valid
// UTF-8): toml++ goes on trimming spaces, tabs and line breaks after such a code point, so all of them go.
inline std::string without_unicode_spaces(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + n > s.size()) n = s.size() - i;
        char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        if (!is_toml_pp_unicode_space(cp) && cp != ' ' && cp != '\t' && cp != '\n') out.append(s, i, n);
        i += n;
    }
    return out;
}

inline std::string toml_pp_date_text(const toml::node& n) {
    std::ostringstream os;
    if (auto d = n.as_date())
        os << d->get();
    else if (auto t = n.as_time())
        os << t->get();
    else if (auto dt = n.as_date_time())
        os << dt->get();
    return os.str();
}

// Empty when `ours` and `theirs` hold the same data; otherwise where and how they differ. A string that differs only
// by the documented toml++ whitespace deviation counts as equal and sets *deviation.
inline std::string toml_tree_difference(const config::Node& ours, const toml::node& theirs, const std::string& path,
                                        bool* deviation = nullptr) {
    using K = config::Node::Kind;
    auto differ = [&](const std::string& what) { return (path.empty() ? std::string("<root>") : path) + ": " + what; };
    switch (theirs.type()) {
        case toml::node_type::table: {
            if (ours.kind != K::Object) return differ("ours is not a table");
            const auto& t = *theirs.as_table();
            if (ours.items.size() != t.size())
                return differ("tables have " + std::to_string(ours.items.size()) + " vs " + std::to_string(t.size()) +
                              " members");
            for (const auto& m : ours.items) {
                const toml::node* o = t.get(m.key);
                if (!o) return differ("toml++ has no member \"" + m.key + "\"");
                // Each of our keys must be unique (toml++ would have fewer members otherwise, but check anyway).
                size_t same = 0;
                for (const auto& m2 : ours.items) same += m2.key == m.key;
                if (same != 1) return differ("duplicate member \"" + m.key + "\"");
                std::string d = toml_tree_difference(m, *o, path.empty() ? m.key : path + "." + m.key, deviation);
                if (!d.empty()) return d;
            }
            return {};
        }
        case toml::node_type::array: {
            if (ours.kind != K::Array) return differ("ours is not an array");
            const auto& a = *theirs.as_array();
            if (ours.items.size() != a.size())
                return differ("arrays have " + std::to_string(ours.items.size()) + " vs " + std::to_string(a.size()) +
                              " elements");
            for (size_t i = 0; i < a.size(); ++i) {
                std::string d =
                    toml_tree_difference(ours.items[i], a[i], path + "[" + std::to_string(i) + "]", deviation);
                if (!d.empty()) return d;
            }
            return {};
        }
        case toml::node_type::string:
            if (ours.kind != K::String) return differ("ours is not a string");
            if (ours.s != theirs.as_string()->get()) {
                const std::string& t = theirs.as_string()->get();
                if (deviation && t.size() < ours.s.size() &&
                    without_unicode_spaces(ours.s) == without_unicode_spaces(t)) {
                    *deviation = true;  // toml++ trimmed Unicode whitespace after a line-ending backslash
                    return {};
                }
                return differ("strings differ");
            }
            return {};
        case toml::node_type::integer:
            if (ours.kind != K::Int) return differ("ours is not an integer");
            if (ours.i != theirs.as_integer()->get())
                return differ(std::to_string(ours.i) + " vs " + std::to_string(theirs.as_integer()->get()));
            return {};
        case toml::node_type::floating_point: {
            if (ours.kind != K::Float) return differ("ours is not a float");
            double x = theirs.as_floating_point()->get();
            if (std::isnan(x) && std::isnan(ours.f)) return {};
            if (std::memcmp(&x, &ours.f, sizeof x) != 0) return differ("floats differ");
            return {};
        }
        case toml::node_type::boolean:
            if (ours.kind != K::Bool) return differ("ours is not a boolean");
            if (ours.b != theirs.as_boolean()->get()) return differ("booleans differ");
            return {};
        case toml::node_type::date:
        case toml::node_type::time:
        case toml::node_type::date_time: {
            if (ours.kind != K::Date) return differ("ours is not a date/time");
            std::string t = toml_pp_date_text(theirs);
            if (ours.s != t) return differ("date text \"" + ours.s + "\" vs \"" + t + "\"");
            return {};
        }
        default:
            return differ("unexpected toml++ node type");
    }
}

inline bool is_toml_pp_deviation(std::string_view toml_pp_error) {
    return toml_pp_error.find("expected second between 0 and 59") != std::string_view::npos ||
           toml_pp_error.find("fractional component exceeds maximum precision") != std::string_view::npos ||
           toml_pp_error.find("numeric value too long to identify type") != std::string_view::npos ||
           toml_pp_error.find("exceeds length limit of") != std::string_view::npos;
}

inline OracleResult compare_with_toml_pp(std::string_view text) {
    OracleResult r;
    auto ours = config::parse_toml(text, "oracle.toml");
    r.ours_ok = ours.ok();
    toml::table theirs;
    try {
        theirs = toml::parse(text, std::string_view("oracle.toml"));
        r.theirs_ok = true;
    } catch (const toml::parse_error& e) {
        r.theirs_error = std::string(e.description());
    }
    if (r.ours_ok != r.theirs_ok) {
        r.difference = r.ours_ok ? "ours accepts, toml++ rejects: " + r.theirs_error
                                 : "ours rejects (" + ours.error().message + "), toml++ accepts";
        r.deviation = r.ours_ok && is_toml_pp_deviation(r.theirs_error);
        return r;
    }
    if (r.ours_ok) {
        bool unicode_space = false;
        r.difference = toml_tree_difference(ours.value(), theirs, "", &unicode_space);
        if (unicode_space) {
            // That deviation needs a line-ending backslash in the text; without one it is a real difference.
            bool backslash_eol =
                text.find("\\\n") != std::string_view::npos || text.find("\\\r") != std::string_view::npos ||
                text.find("\\ ") != std::string_view::npos || text.find("\\\t") != std::string_view::npos;
            if (!backslash_eol && r.difference.empty()) r.difference = "strings differ by Unicode whitespace";
            r.deviation = backslash_eol && r.difference.empty();
            if (r.deviation) r.difference = "toml++ trims Unicode whitespace after a line-ending backslash";
        }
    } else if (ours.error().diagnostics.size() != 1) {
        r.difference = "ours rejects with " + std::to_string(ours.error().diagnostics.size()) + " diagnostics";
    }
    return r;
}

}  // namespace tenantctl::testing
