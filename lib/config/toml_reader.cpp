// TOML 1.0 -> Node: a hand-written, single-pass recursive-descent parser that builds config::Node directly.
// Why our own parser: toml++ took ~1.75 ms for a 2,000-line wrangler.toml, plus ~0.5 ms to convert its tree
// (code-point columns to byte columns, key-sorted tables back into file order, dates through iostreams). This
// one reads the text once and records byte positions and file order as it goes. toml++ is kept as the test
// oracle only (tests/unit/config_toml_test.cpp differential test, tests/fuzz/toml_diff_fuzz.cpp).
// Design: the first error throws an internal exception caught in parse_toml. How each table came to be (header,
// implicitly by a header, dotted keys, inline; arrays of tables vs static arrays) is kept in Node::i of container
// nodes while parsing and cleared at the end. Member lookup is a linear scan for small tables and a per-parse
// open-addressing index for tables with more than 16 members. The current [table] is a pointer that stays valid
// until the next header (key/value lines only grow that table's own subtree). Positions follow what the former
// toml++-based reader yielded: a header table starts at its '[', a table made implicitly by a header at that
// header's '[' (moved to the defining header when `[a]` comes later), a table made by a dotted key at that key.
// Redefinition rules are those of toml++ 3.3 (which passes the TOML 1.0 part of toml-test, as does this parser);
// where toml++ deviates from the spec (leap seconds, number length limits, Unicode whitespace after a line-ending
// backslash) this parser follows the spec: see tests/support/toml_oracle.hpp.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "config/key_index.hpp"
#include "config/node.hpp"
#include "core/strings.hpp"

namespace tenantctl::config {

namespace {

constexpr int kMaxValueDepth = 256;  // nested arrays / inline tables (toml++'s TOML_MAX_NESTED_VALUES)
constexpr int kMaxTreeDepth = 1024;  // any node, counting header and dotted-key levels too
constexpr size_t kIndexThreshold = 16;

// Flags in Node::i of container nodes while parsing.
enum : std::int64_t {
    kImplicit = 1,  // table created by a header's intermediate key, not yet defined by its own header
    kDotted = 2,    // table created by a dotted key
    kInline = 4,    // inline table: closed
    kAot = 8,       // array of tables ([[x]]), as opposed to a static array value
    kIndexed = 16,  // has a key index; its id is in the upper 32 bits
};

struct Failure {
    const char* at;
    std::string message;
};

struct KeySeg {
    std::string name;
    const char* at = nullptr;
    Pos pos;
};

// Character classes.
enum : unsigned char { C_OTHER = 0, C_BARE = 1, C_DIGIT = 2, C_HEX = 4, C_STR = 8 };
struct Tables {
    unsigned char cls[256]{};
    constexpr Tables() {
        for (int c = 0; c < 256; ++c) {
            unsigned char v = 0;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-') v |= C_BARE;
            if (c >= '0' && c <= '9') v |= C_BARE | C_DIGIT | C_HEX;
            if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= C_HEX;
            // plain string bytes: printable ASCII except the quote/escape characters
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '\'') v |= C_STR;
            if (c == '\t') v |= C_STR;
            cls[c] = v;
        }
    }
};
constexpr Tables kTables;
inline bool is_bare(char c) {
    return kTables.cls[static_cast<unsigned char>(c)] & C_BARE;
}
inline bool is_digit(char c) {
    return kTables.cls[static_cast<unsigned char>(c)] & C_DIGIT;
}
inline bool is_hex(char c) {
    return kTables.cls[static_cast<unsigned char>(c)] & C_HEX;
}
inline bool is_plain(char c) {
    return kTables.cls[static_cast<unsigned char>(c)] & C_STR;
}

// Length of the valid UTF-8 sequence starting at p (a non-ASCII lead byte), or 0. The buffer is NUL-padded and a
// NUL is never a continuation byte, so this never reads past the padding.
inline int utf8_len(const unsigned char* p) {
    unsigned c = p[0];
    if (c >= 0xC2 && c <= 0xDF) return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
        if (c == 0xED && p[1] >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
        if (c == 0xF4 && p[1] >= 0x90) return 0;  // > U+10FFFF
        return 4;
    }
    return 0;
}

void put2(std::string& s, unsigned v) {
    s += static_cast<char>('0' + v / 10);
    s += static_cast<char>('0' + v % 10);
}

std::string quote_key(std::string_view k) {
    bool bare = !k.empty();
    for (char c : k) bare = bare && is_bare(c);
    if (bare) return std::string(k);
    std::string out = "\"";
    for (char c : k) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
            continue;
        }
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

class Parser {
public:
    explicit Parser(std::string_view text) {
        m_buf.reserve(text.size() + 16);
        m_buf.assign(text.data(), text.size());
        m_buf.append(16, '\0');
        m_begin = m_buf.data();
        m_end = m_begin + text.size();
        m_p = m_begin;
        m_line_start = m_begin;
    }

    Node parse() {
        Node root;
        root.kind = Node::Kind::Object;
        root.pos = {1, 1};
        // A UTF-8 byte order mark is skipped (columns stay byte columns of the text).
        if (m_end - m_p >= 3 && std::memcmp(m_p, "\xEF\xBB\xBF", 3) == 0) m_p += 3;
        Node* cur = &root;
        int cur_depth = 0;
        for (;;) {
            skip_ws();
            char c = *m_p;
            if (c == '\0' && m_p >= m_end) break;
            if (c == '\n' || c == '\r') {
                newline();
            } else if (c == '#') {
                comment();
            } else if (c == '[') {
                cur = header(root, cur_depth);
                end_of_line();
            } else if (is_bare(c) || c == '"' || c == '\'') {
                keyval(*cur, cur_depth, 0);
                end_of_line();
            } else {
                fail(m_p, "invalid key");
            }
        }
        clear_flags(root);
        return root;
    }

    Pos error_pos(const char* at) const {
        int line = 1;
        const char* ls = m_begin;
        for (const char* q = m_begin; q < at && q < m_end; ++q)
            if (*q == '\n') {
                ++line;
                ls = q + 1;
            }
        return {line, static_cast<int>(at - ls) + 1};
    }

private:
    std::string m_buf;
    const char* m_begin = nullptr;
    const char* m_end = nullptr;
    const char* m_p = nullptr;
    const char* m_line_start = nullptr;
    int m_line = 1;
    std::vector<KeySeg> m_keys;  // reused key buffer
    size_t m_nkeys = 0;
    std::vector<KeyIndex> m_indexes;  // key indexes of big tables
    std::uint32_t m_hash = 0;         // hash of the key find() last looked up in an index

    [[noreturn]] void fail(const char* at, std::string msg) { throw Failure{at, std::move(msg)}; }

    bool at_end() const { return m_p >= m_end; }
    Pos here() const { return {m_line, static_cast<int>(m_p - m_line_start) + 1}; }

    void skip_ws() {
        while (*m_p == ' ' || *m_p == '\t') ++m_p;
    }

    // At '\n' or '\r'.
    void newline() {
        if (*m_p == '\r') {
            if (m_p[1] != '\n') fail(m_p, "carriage return without a line feed");
            ++m_p;
        }
        ++m_p;
        ++m_line;
        m_line_start = m_p;
    }

    // At '#': up to (not including) the line break.
    void comment() {
        ++m_p;
        for (;;) {
            unsigned char c = static_cast<unsigned char>(*m_p);
            if (c >= 0x20 && c < 0x7F) {
                ++m_p;
            } else if (c == '\t') {
                ++m_p;
            } else if (c == '\n') {
                return;
            } else if (c == '\r') {
                if (m_p[1] != '\n') fail(m_p, "carriage return without a line feed");
                return;
            } else if (c == 0 && at_end()) {
                return;
            } else if (c >= 0x80) {
                int n = utf8_len(reinterpret_cast<const unsigned char*>(m_p));
                if (!n) fail(m_p, "invalid UTF-8");
                m_p += n;
            } else {
                fail(m_p, "control character in comment");
            }
        }
    }

    // After a key/value pair or a header: whitespace, an optional comment, then a line break or the end.
    void end_of_line() {
        skip_ws();
        if (*m_p == '#') comment();
        if (*m_p == '\n' || *m_p == '\r') {
            newline();
        } else if (!at_end()) {
            fail(m_p, "unexpected character, expected a new line");
        }
    }

    // Whitespace, line breaks and comments (inside arrays).
    void skip_ws_nl() {
        for (;;) {
            char c = *m_p;
            if (c == ' ' || c == '\t') {
                ++m_p;
            } else if (c == '\n' || c == '\r') {
                newline();
            } else if (c == '#') {
                comment();
            } else {
                return;
            }
        }
    }

    // ---- table member lookup -------------------------------------------------------------------------------

    // Index of member k of table t, or -1. With an index the key's hash is left in m_hash for index_last.
    long find(const Node& t, std::string_view k) {
        if (!(t.i & kIndexed)) {
            const size_t n = t.items.size();
            for (size_t j = 0; j < n; ++j) {
                const std::string& mk = t.items[j].key;
                if (mk.size() == k.size() && std::memcmp(mk.data(), k.data(), k.size()) == 0)
                    return static_cast<long>(j);
            }
            return -1;
        }
        const std::uint32_t h = KeyIndex::hash(k);
        m_hash = h;
        return m_indexes[static_cast<size_t>(t.i >> 32)].find(
            k, h, [&t](std::uint32_t j) -> std::string_view { return t.items[j].key; });
    }

    // A new, empty slot at the end of a vector of nodes (tables and arrays start with room for 4).
    static Node& push(std::vector<Node>& items) {
        if (items.size() == items.capacity()) items.reserve(items.empty() ? 4 : items.size() * 2);
        return items.emplace_back();
    }

    // Adds the last member of t (its key set) to t's index, creating the index when t grows past the threshold.
    // hash: the key's hash when the caller's find() on the indexed t computed it (m_hash then), else null.
    void index_last(Node& t, const std::uint32_t* hash = nullptr) {
        const size_t n = t.items.size();
        if (t.i & kIndexed) {
            m_indexes[static_cast<size_t>(t.i >> 32)].add(hash ? *hash : KeyIndex::hash(t.items.back().key),
                                                          static_cast<std::uint32_t>(n - 1));
        } else if (n > kIndexThreshold) {
            const size_t id = m_indexes.size();
            KeyIndex& index = m_indexes.emplace_back();
            t.i |= kIndexed | static_cast<std::int64_t>(id << 32);
            for (size_t j = 0; j < n; ++j) index.add(KeyIndex::hash(t.items[j].key), static_cast<std::uint32_t>(j));
        }
    }

    // Appends a member table to t.
    Node& add_table(Node& t, const std::string& name, Pos key_pos, Pos pos, std::int64_t flags) {
        Node& n = push(t.items);
        n.kind = Node::Kind::Object;
        n.key = name;
        n.key_pos = key_pos;
        n.pos = pos;
        n.i = flags;
        index_last(t);
        return n;
    }

    static void clear_flags(Node& n) {
        n.i = 0;
        for (Node& c : n.items)
            if (c.kind == Node::Kind::Object || c.kind == Node::Kind::Array) clear_flags(c);
    }

    // The key path up to segment `upto`, as it would be written in TOML, in double quotes for a message.
    std::string key_path(size_t upto) const {
        std::string path;
        for (size_t j = 0; j <= upto && j < m_nkeys; ++j) {
            if (j) path += '.';
            path += quote_key(m_keys[j].name);
        }
        std::string out = "\"";
        for (char c : path) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        return out + "\"";
    }

    // ---- keys ------------------------------------------------------------------------------------------------

    // Reads a (dotted) key into m_keys[0..m_nkeys).
    void read_key() {
        m_nkeys = 0;
        for (;;) {
            if (m_nkeys == m_keys.size()) m_keys.emplace_back();
            KeySeg& seg = m_keys[m_nkeys++];
            seg.at = m_p;
            seg.pos = here();
            char c = *m_p;
            if (is_bare(c)) {
                const char* s = m_p;
                while (is_bare(*m_p)) ++m_p;
                seg.name.assign(s, static_cast<size_t>(m_p - s));
            } else if (c == '"') {
                if (m_p[1] == '"' && m_p[2] == '"') fail(m_p, "multi-line strings cannot be keys");
                seg.name.clear();
                line_string(seg.name, '"');
            } else if (c == '\'') {
                if (m_p[1] == '\'' && m_p[2] == '\'') fail(m_p, "multi-line strings cannot be keys");
                seg.name.clear();
                line_string(seg.name, '\'');
            } else {
                fail(m_p, "invalid key");
            }
            skip_ws();
            if (*m_p != '.') return;
            ++m_p;
            skip_ws();
        }
    }

    // ---- statements -----------------------------------------------------------------------------------------

    // `key = value` into table t (whose depth in the tree is depth). value_depth: nesting of the enclosing value.
    void keyval(Node& t, int depth, int value_depth) {
        read_key();
        skip_ws();
        if (*m_p != '=') fail(m_p, "expected \"=\" after the key");
        ++m_p;
        skip_ws();
        if (depth + static_cast<int>(m_nkeys) > kMaxTreeDepth) fail(m_keys[0].at, "nesting too deep");
        Node* tbl = &t;
        for (size_t j = 0; j + 1 < m_nkeys; ++j) {
            KeySeg& seg = m_keys[j];
            long idx = find(*tbl, seg.name);
            if (idx >= 0) {
                Node& c = tbl->items[static_cast<size_t>(idx)];
                if (c.kind != Node::Kind::Object || !(c.i & (kDotted | kImplicit))) {
                    if (c.kind == Node::Kind::Object && (c.i & kInline))
                        fail(seg.at, "cannot extend inline table " + key_path(j));
                    if (c.kind == Node::Kind::Object) fail(seg.at, "table " + key_path(j) + " is already defined");
                    fail(seg.at, "key " + key_path(j) + " is already defined as a value");
                }
                tbl = &c;
            } else {
                tbl = &add_table(*tbl, seg.name, seg.pos, seg.pos, kDotted);
            }
        }
        KeySeg& last = m_keys[m_nkeys - 1];
        if (find(*tbl, last.name) >= 0) fail(last.at, "duplicate key " + key_path(m_nkeys - 1));
        const bool indexed = tbl->i & kIndexed;
        const std::uint32_t hash = m_hash;  // the value may look up other keys
        // The key buffer is reused by inline tables inside the value: take the key out first.
        std::string name = std::move(last.name);
        const Pos key_pos = last.pos;
        // The value is built in place: nothing else is added to tbl while it is parsed.
        Node& v = push(tbl->items);
        v.key = std::move(name);
        v.key_pos = key_pos;
        value(v, value_depth + 1, depth + static_cast<int>(m_nkeys));
        index_last(*tbl, indexed ? &hash : nullptr);
    }

    Node* header(Node& root, int& depth_out) {
        const char* start = m_p;
        const Pos hpos = here();
        const bool aot = m_p[1] == '[';
        m_p += aot ? 2 : 1;
        skip_ws();
        read_key();
        if (*m_p != ']') fail(m_p, "expected \"]\" at the end of the table header");
        ++m_p;
        if (aot) {
            if (*m_p != ']') fail(m_p, "expected \"]]\" at the end of the array of tables header");
            ++m_p;
        }
        if (static_cast<int>(m_nkeys) > kMaxTreeDepth) fail(start, "nesting too deep");
        depth_out = static_cast<int>(m_nkeys);
        Node* parent = &root;
        for (size_t j = 0; j + 1 < m_nkeys; ++j) {
            KeySeg& seg = m_keys[j];
            long idx = find(*parent, seg.name);
            if (idx >= 0) {
                Node& c = parent->items[static_cast<size_t>(idx)];
                if (c.kind == Node::Kind::Object) {
                    if (c.i & kInline) fail(seg.at, "cannot extend inline table " + key_path(j));
                    parent = &c;
                } else if (c.kind == Node::Kind::Array && (c.i & kAot)) {
                    parent = &c.items.back();
                } else {
                    fail(seg.at, "key " + key_path(j) + " is already defined as a value");
                }
            } else {
                parent = &add_table(*parent, seg.name, seg.pos, hpos, kImplicit);
            }
        }
        KeySeg& last = m_keys[m_nkeys - 1];
        long idx = find(*parent, last.name);
        if (idx >= 0) {
            Node& c = parent->items[static_cast<size_t>(idx)];
            if (aot) {
                if (c.kind == Node::Kind::Array && (c.i & kAot)) {
                    Node& t = push(c.items);
                    t.kind = Node::Kind::Object;
                    t.pos = hpos;
                    return &t;
                }
                if (c.kind == Node::Kind::Array)
                    fail(start, "cannot append to the static array " + key_path(m_nkeys - 1));
                fail(start, "key " + key_path(m_nkeys - 1) + " is already defined, not as an array of tables");
            }
            if (c.kind == Node::Kind::Object && (c.i & kImplicit)) {
                bool ok = true;
                for (const Node& m : c.items) {
                    if (m.kind == Node::Kind::Object) continue;
                    if (m.kind == Node::Kind::Array && !m.items.empty()) {
                        bool all = true;
                        for (const Node& e : m.items) all = all && e.kind == Node::Kind::Object;
                        if (all) continue;
                    }
                    ok = false;
                    break;
                }
                if (ok) {
                    c.i &= ~kImplicit;
                    c.pos = hpos;
                    return &c;
                }
            }
            if (c.kind == Node::Kind::Object) fail(start, "table " + key_path(m_nkeys - 1) + " is already defined");
            if (c.kind == Node::Kind::Array && (c.i & kAot))
                fail(start, key_path(m_nkeys - 1) + " is already defined as an array of tables");
            fail(start, "key " + key_path(m_nkeys - 1) + " is already defined as a value");
        }
        if (aot) {
            Node& a = push(parent->items);
            a.kind = Node::Kind::Array;
            a.key = last.name;
            a.key_pos = last.pos;
            a.pos = hpos;
            a.i = kAot;
            index_last(*parent);
            Node& t = push(a.items);
            t.kind = Node::Kind::Object;
            t.pos = hpos;
            return &t;
        }
        return &add_table(*parent, last.name, last.pos, hpos, 0);
    }

    // ---- values ---------------------------------------------------------------------------------------------

    // Parses a value into v (a fresh node).
    void value(Node& v, int vdepth, int tdepth) {
        if (vdepth > kMaxValueDepth || tdepth > kMaxTreeDepth) fail(m_p, "nesting too deep");
        v.pos = here();
        char c = *m_p;
        switch (c) {
            case '"':
            case '\'':
                v.kind = Node::Kind::String;
                if (m_p[1] == c && m_p[2] == c)
                    ml_string(v.s, c);
                else
                    line_string(v.s, c);
                return;
            case 't':
                if (std::memcmp(m_p, "true", 4) == 0) {
                    m_p += 4;
                    v.kind = Node::Kind::Bool;
                    v.b = true;
                    check_value_end();
                    return;
                }
                break;
            case 'f':
                if (std::memcmp(m_p, "false", 5) == 0) {
                    m_p += 5;
                    v.kind = Node::Kind::Bool;
                    check_value_end();
                    return;
                }
                break;
            case '[':
                array(v, vdepth, tdepth);
                return;
            case '{':
                inline_table(v, vdepth, tdepth);
                return;
            default:
                if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n') {
                    number_or_date(v);
                    check_value_end();
                    return;
                }
                break;
        }
        fail(m_p, "invalid value");
    }

    // A scalar must be followed by whitespace, a line break, a comment, ',', ']', '}' or the end.
    void check_value_end() {
        char c = *m_p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == ',' || c == ']' || c == '}') return;
        if (c == '\0' && at_end()) return;
        fail(m_p, "invalid value");
    }

    void array(Node& v, int vdepth, int tdepth) {
        v.kind = Node::Kind::Array;
        ++m_p;
        for (;;) {
            skip_ws_nl();
            if (*m_p == ']') break;
            if (at_end()) fail(m_p, "unterminated array");
            value(push(v.items), vdepth + 1, tdepth + 1);
            skip_ws_nl();
            if (*m_p == ',') {
                ++m_p;
                continue;
            }
            if (*m_p == ']') break;
            if (at_end()) fail(m_p, "unterminated array");
            fail(m_p, "expected \",\" or \"]\" in the array");
        }
        ++m_p;
    }

    void inline_table(Node& v, int vdepth, int tdepth) {
        v.kind = Node::Kind::Object;
        ++m_p;
        skip_ws();
        if (*m_p == '}') {
            ++m_p;
            v.i = kInline;
            return;
        }
        for (;;) {
            char c = *m_p;
            if (!(is_bare(c) || c == '"' || c == '\'')) {
                if (c == '\n' || c == '\r') fail(m_p, "line break in an inline table");
                if (at_end()) fail(m_p, "unterminated inline table");
                fail(m_p, "invalid key");
            }
            keyval(v, tdepth, vdepth);
            skip_ws();
            if (*m_p == ',') {
                ++m_p;
                skip_ws();
                if (*m_p == '}') fail(m_p, "trailing comma in an inline table");
                continue;
            }
            if (*m_p == '}') break;
            if (*m_p == '\n' || *m_p == '\r') fail(m_p, "line break in an inline table");
            if (at_end()) fail(m_p, "unterminated inline table");
            fail(m_p, "expected \",\" or \"}\" in the inline table");
        }
        ++m_p;
        v.i |= kInline;
    }

    // ---- strings --------------------------------------------------------------------------------------------

    // Validates one non-ASCII UTF-8 character at m_p and appends it.
    void utf8_char(std::string& out) {
        int n = utf8_len(reinterpret_cast<const unsigned char*>(m_p));
        if (!n) fail(m_p, "invalid UTF-8");
        out.append(m_p, static_cast<size_t>(n));
        m_p += n;
    }

    void escape(std::string& out) {
        const char* at = m_p;
        char e = m_p[1];
        m_p += 2;
        switch (e) {
            case 'b':
                out += '\b';
                return;
            case 't':
                out += '\t';
                return;
            case 'n':
                out += '\n';
                return;
            case 'f':
                out += '\f';
                return;
            case 'r':
                out += '\r';
                return;
            case '"':
                out += '"';
                return;
            case '\\':
                out += '\\';
                return;
            case 'u':
            case 'U': {
                int len = e == 'u' ? 4 : 8;
                std::uint32_t cp = 0;
                for (int k = 0; k < len; ++k) {
                    char h = m_p[k];
                    if (!is_hex(h)) fail(at, "invalid unicode escape");
                    cp = cp * 16 + static_cast<std::uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                }
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail(at, "unicode escape is not a scalar value");
                m_p += len;
                append_utf8(out, cp);
                return;
            }
            default:
                fail(at, "invalid escape sequence");
        }
    }

    // A one-line basic ("...", escapes) or literal ('...') string at m_p.
    void line_string(std::string& out, char quote) {
        const bool basic = quote == '"';
        const char* open = m_p;
        ++m_p;
        for (;;) {
            const char* s = m_p;
            while (is_plain(*m_p) || (*m_p != quote && (*m_p == '"' || *m_p == '\'' || (!basic && *m_p == '\\'))))
                ++m_p;
            out.append(s, static_cast<size_t>(m_p - s));
            unsigned char c = static_cast<unsigned char>(*m_p);
            if (c == static_cast<unsigned char>(quote)) {
                ++m_p;
                return;
            }
            if (c == '\\') {
                escape(out);
            } else if (c >= 0x80) {
                utf8_char(out);
            } else if (c == '\n' || c == '\r' || (c == 0 && at_end())) {
                fail(open, "unterminated string");
            } else {
                fail(m_p, "control character in string");
            }
        }
    }

    // A line break inside a multi-line string (at '\n' or '\r').
    void ml_newline(std::string& out, bool keep) {
        if (*m_p == '\r' && m_p[1] != '\n') fail(m_p, "carriage return without a line feed");
        if (keep) out += '\n';
        if (*m_p == '\r') ++m_p;
        newline_at_lf();
    }
    void newline_at_lf() {
        ++m_p;
        ++m_line;
        m_line_start = m_p;
    }

    // A multi-line basic ("""...""", escapes) or literal ('''...''') string at m_p.
    void ml_string(std::string& out, char quote) {
        const bool basic = quote == '"';
        const char* open = m_p;
        m_p += 3;
        if (*m_p == '\n' || (*m_p == '\r' && m_p[1] == '\n')) ml_newline(out, false);
        for (;;) {
            const char* s = m_p;
            while (is_plain(*m_p) || (*m_p != quote && (*m_p == '"' || *m_p == '\'' || (!basic && *m_p == '\\'))))
                ++m_p;
            out.append(s, static_cast<size_t>(m_p - s));
            unsigned char c = static_cast<unsigned char>(*m_p);
            if (c == static_cast<unsigned char>(quote)) {
                if (m_p[1] == quote && m_p[2] == quote) {
                    // up to two quotes may stand just inside the closing delimiter
                    int run = 3;
                    while (m_p[run] == quote) ++run;
                    if (run > 5) fail(m_p + 5, "too many quotes at the end of a multi-line string");
                    out.append(static_cast<size_t>(run - 3), quote);
                    m_p += run;
                    return;
                }
                out += quote;
                ++m_p;
            } else if (c == '\\') {
                // line-ending backslash: whitespace, a line break, then all whitespace and line breaks are trimmed
                const char* q = m_p + 1;
                while (*q == ' ' || *q == '\t') ++q;
                if (*q == '\n' || *q == '\r') {
                    m_p = q;
                    ml_newline(out, false);
                    for (;;) {
                        if (*m_p == ' ' || *m_p == '\t')
                            ++m_p;
                        else if (*m_p == '\n' || *m_p == '\r')
                            ml_newline(out, false);
                        else
                            break;
                    }
                } else {
                    escape(out);
                }
            } else if (c == '\n' || c == '\r') {
                ml_newline(out, true);
            } else if (c >= 0x80) {
                utf8_char(out);
            } else if (c == 0 && at_end()) {
                fail(open, "unterminated string");
            } else {
                fail(m_p, "control character in string");
            }
        }
    }

    // ---- numbers and dates ----------------------------------------------------------------------------------

    unsigned two(const char* q) const { return static_cast<unsigned>((q[0] - '0') * 10 + (q[1] - '0')); }
    static bool digits(const char* q, int n) {
        for (int k = 0; k < n; ++k)
            if (!is_digit(q[k])) return false;
        return true;
    }

    // HH:MM:SS[.fraction] at m_p, appended to out as toml++ prints it.
    void time_part(std::string& out) {
        const char* t = m_p;
        if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2))
            fail(t, "invalid time");
        unsigned h = two(t), mi = two(t + 3), s = two(t + 6);
        if (h > 23 || mi > 59 || s > 60) fail(t, "invalid time");
        put2(out, h);
        out += ':';
        put2(out, mi);
        out += ':';
        put2(out, s);
        m_p = t + 8;
        if (*m_p == '.') {
            ++m_p;
            if (!is_digit(*m_p)) fail(m_p, "invalid time");
            std::uint32_t ns = 0;
            int n = 0;
            while (is_digit(*m_p)) {
                if (n < 9) ns = ns * 10 + static_cast<std::uint32_t>(*m_p - '0');
                ++n;
                ++m_p;
            }
            for (int k = n; k < 9; ++k) ns *= 10;
            if (ns) {
                int len = 9;
                while (ns % 10 == 0) {
                    ns /= 10;
                    --len;
                }
                char buf[10];
                for (int k = len - 1; k >= 0; --k) {
                    buf[k] = static_cast<char>('0' + ns % 10);
                    ns /= 10;
                }
                out += '.';
                out.append(buf, static_cast<size_t>(len));
            }
        }
    }

    void date_time(Node& v) {
        const char* d = m_p;
        v.kind = Node::Kind::Date;
        if (!digits(d, 4) || d[4] != '-' || !digits(d + 5, 2) || d[7] != '-' || !digits(d + 8, 2))
            fail(d, "invalid date");
        unsigned y = static_cast<unsigned>((d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0'));
        unsigned mo = two(d + 5), day = two(d + 8);
        bool leap = (y % 4 == 0) && (y % 100 != 0 || y % 400 == 0);
        unsigned mdays = mo == 2 ? (leap ? 29u : 28u) : (mo == 4 || mo == 6 || mo == 9 || mo == 11) ? 30u : 31u;
        if (mo < 1 || mo > 12 || day < 1 || day > mdays) fail(d, "invalid date");
        std::string& out = v.s;
        out.assign(d, 10);
        m_p = d + 10;
        char sep = *m_p;
        if (!(sep == 'T' || sep == 't' || (sep == ' ' && digits(m_p + 1, 2) && m_p[3] == ':'))) return;
        ++m_p;
        out += 'T';
        time_part(out);
        char z = *m_p;
        if (z == 'Z' || z == 'z') {
            out += 'Z';
            ++m_p;
        } else if (z == '+' || z == '-') {
            const char* o = m_p + 1;
            if (!digits(o, 2) || o[2] != ':' || !digits(o + 3, 2)) fail(m_p, "invalid time offset");
            unsigned oh = two(o), om = two(o + 3);
            if (oh > 23 || om > 59) fail(m_p, "invalid time offset");
            if (oh == 0 && om == 0) {
                out += 'Z';
            } else {
                out += z;
                put2(out, oh);
                out += ':';
                put2(out, om);
            }
            m_p = o + 5;
        }
    }

    // Digits with single underscores between them; appends the digits to buf. False when malformed.
    bool digit_run(std::string& buf, bool (*ok)(char)) {
        if (!ok(*m_p)) return false;
        for (;;) {
            buf += *m_p++;
            if (*m_p == '_') {
                ++m_p;
                if (!ok(*m_p)) return false;
            } else if (!ok(*m_p)) {
                return true;
            }
        }
    }

    void number_or_date(Node& v) {
        const char* s = m_p;
        if (is_digit(s[0]) && is_digit(s[1])) {
            if (s[2] == ':') {
                v.kind = Node::Kind::Date;
                time_part(v.s);
                return;
            }
            if (is_digit(s[2]) && is_digit(s[3]) && s[4] == '-') {
                date_time(v);
                return;
            }
        }
        bool neg = false;
        if (*m_p == '+' || *m_p == '-') {
            neg = *m_p == '-';
            ++m_p;
        }
        if (std::memcmp(m_p, "inf", 3) == 0 || std::memcmp(m_p, "nan", 3) == 0) {
            v.kind = Node::Kind::Float;
            bool inf = *m_p == 'i';
            m_p += 3;
            double x = inf ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
            v.f = (neg && inf) ? -x : x;  // NaN without a sign, as toml++ gives it
            return;
        }
        if (m_p == s && m_p[0] == '0' && (m_p[1] == 'x' || m_p[1] == 'o' || m_p[1] == 'b')) {
            char r = m_p[1];
            m_p += 2;
            unsigned base = r == 'x' ? 16 : r == 'o' ? 8 : 2;
            auto ok = r == 'x'   ? +[](char c) { return is_hex(c); }
                      : r == 'o' ? +[](char c) { return c >= '0' && c <= '7'; }
                                 : +[](char c) { return c == '0' || c == '1'; };
            std::string& buf = m_num;
            buf.clear();
            if (!digit_run(buf, ok)) fail(m_p, "invalid number");
            std::uint64_t x = 0;
            for (char c : buf) {
                unsigned d = static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
                if (x > (static_cast<std::uint64_t>(INT64_MAX) - d) / base) fail(s, "integer out of range");
                x = x * base + d;
            }
            v.kind = Node::Kind::Int;
            v.i = static_cast<std::int64_t>(x);
            return;
        }
        std::string& buf = m_num;
        buf.clear();
        if (neg) buf += '-';
        const char* int_start = m_p;
        if (!is_digit(*m_p)) fail(m_p, "invalid value");
        if (!digit_run(buf, [](char c) { return is_digit(c); })) fail(m_p, "invalid number");
        if (*int_start == '0' && m_p - int_start > 1) fail(int_start, "leading zeros are not allowed");
        bool is_float = false;
        if (*m_p == '.') {
            is_float = true;
            buf += *m_p++;
            if (!digit_run(buf, [](char c) { return is_digit(c); })) fail(m_p, "invalid number");
        }
        if (*m_p == 'e' || *m_p == 'E') {
            is_float = true;
            buf += 'e';
            ++m_p;
            if (*m_p == '+' || *m_p == '-') buf += *m_p++;
            if (!digit_run(buf, [](char c) { return is_digit(c); })) fail(m_p, "invalid number");
        }
        if (is_float) {
            v.kind = Node::Kind::Float;
            double x = 0;
            auto r = std::from_chars(buf.data(), buf.data() + buf.size(), x);
            if (r.ec == std::errc::result_out_of_range) {
                if (!underflows(buf)) fail(s, "float out of range");
                x = neg ? -0.0 : 0.0;
            } else if (r.ec != std::errc() || r.ptr != buf.data() + buf.size()) {
                fail(s, "invalid number");
            }
            v.f = x;
            return;
        }
        v.kind = Node::Kind::Int;
        std::uint64_t x = 0;
        const std::uint64_t limit =
            neg ? static_cast<std::uint64_t>(INT64_MAX) + 1 : static_cast<std::uint64_t>(INT64_MAX);
        for (size_t k = neg ? 1 : 0; k < buf.size(); ++k) {
            unsigned d = static_cast<unsigned>(buf[k] - '0');
            if (x > (limit - d) / 10) fail(s, "integer out of range");
            x = x * 10 + d;
        }
        v.i = neg ? static_cast<std::int64_t>(0 - x) : static_cast<std::int64_t>(x);
    }

    // Whether a decimal float text (digits, '.', 'e', sign) that from_chars found out of range is tiny (rounds
    // to zero) rather than huge.
    static bool underflows(const std::string& t) {
        size_t k = (t[0] == '-') ? 1 : 0;
        long mag = 0;  // decimal exponent of the first significant digit, roughly
        bool seen = false;
        long int_digits = 0, lead_frac_zeros = 0;
        for (; k < t.size() && is_digit(t[k]); ++k) {
            if (t[k] != '0') seen = true;
            if (seen) ++int_digits;
        }
        if (k < t.size() && t[k] == '.') {
            for (++k; k < t.size() && is_digit(t[k]); ++k) {
                if (!seen && t[k] == '0')
                    ++lead_frac_zeros;
                else
                    seen = true;
            }
        }
        mag = int_digits > 0 ? int_digits : -lead_frac_zeros;
        long e = 0;
        if (k < t.size() && t[k] == 'e') {
            ++k;
            bool eneg = false;
            if (t[k] == '+' || t[k] == '-') eneg = t[k++] == '-';
            for (; k < t.size(); ++k) e = std::min<long>(e * 10 + (t[k] - '0'), 100000);
            if (eneg) e = -e;
        }
        return mag + e < 0;
    }

    std::string m_num;
};

}  // namespace

Result<Node> parse_toml(std::string_view text, const std::string& file) {
    Parser parser(text);
    try {
        return parser.parse();
    } catch (const Failure& f) {
        Pos p = parser.error_pos(f.at);
        Diagnostic d;
        d.severity = Severity::Error;
        d.message = "Invalid TOML document: " + f.message;
        d.file = file;
        d.line = p.line;
        d.column = p.column;
        Error err(ErrorKind::Config,
                  file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + d.message);
        err.diagnostics.push_back(std::move(d));
        return err;
    }
}

}  // namespace tenantctl::config
