// JSON / JSONC reader with positions. wrangler reads wrangler.json and wrangler.jsonc with Microsoft's
// jsonc-parser (comments allowed, trailing commas allowed, duplicate keys: last wins, first error reported
// by its ParseErrorCode name). This is a small scanner + recursive-descent parser with the same grammar and
// the same error names and error offsets (the offending token), which records where every key and value
// starts. nlohmann::json is only the output format (it has no positions).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>

#include "config/key_index.hpp"
#include "config/node.hpp"
#include "core/strings.hpp"

namespace tenantctl::config {

namespace {

enum class Tok {
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Comma,
    Colon,
    String,
    Number,
    True,
    False,
    Null,
    Unknown,
    Eof
};

constexpr int k_max_depth = 256;

// Byte length of the whitespace / line-break character at text[p], or 0.
size_t trivia_len(std::string_view t, size_t p) {
    unsigned char c = static_cast<unsigned char>(t[p]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return 1;
    if (c == 0xC2 && p + 1 < t.size() && static_cast<unsigned char>(t[p + 1]) == 0xA0) return 2;  // NBSP
    if (c == 0xEF && p + 2 < t.size() && static_cast<unsigned char>(t[p + 1]) == 0xBB &&
        static_cast<unsigned char>(t[p + 2]) == 0xBF)
        return 3;  // BOM / ZWNBSP
    if (c == 0xE2 && p + 2 < t.size() && static_cast<unsigned char>(t[p + 1]) == 0x80) {
        unsigned char d = static_cast<unsigned char>(t[p + 2]);
        if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;  // spaces, LS, PS
    }
    if (c == 0xE3 && p + 2 < t.size() && static_cast<unsigned char>(t[p + 1]) == 0x80 &&
        static_cast<unsigned char>(t[p + 2]) == 0x80)
        return 3;  // ideographic space
    return 0;
}

bool is_separator(unsigned char c) {
    return c == '{' || c == '}' || c == '[' || c == ']' || c == '"' || c == ':' || c == ',' || c == '/';
}

int hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Byte classes for the scanner's hot loops.
struct ByteClasses {
    bool plain[256] = {};  // may appear unescaped inside a string run ('"', '\\' and control characters may not)
    constexpr ByteClasses() {
        for (int c = 0x20; c < 256; ++c) plain[c] = c != '"' && c != '\\';
    }
};
constexpr ByteClasses k_bytes;

class Parser {
public:
    Parser(std::string_view text, const std::string& file) : m_t(text), m_file(file) {}

    Result<Node> run() {
        m_stack.reserve(256);
        next();
        Node root;
        if (m_tok == Tok::Eof) {
            fail("ValueExpected", "the file is empty: expected a JSON value");
        } else if (!failed() && !parse_value(root, 0)) {
            if (!failed()) fail("ValueExpected", "expected a JSON value");
        } else if (!failed() && m_tok != Tok::Eof) {
            fail("EndOfFileExpected", "expected the end of the file after the top-level value");
        }
        if (failed()) {
            Diagnostic d;
            d.severity = Severity::Error;
            d.message = m_err_code + ": " + m_err_text;
            d.file = m_file;
            Pos p = pos_at(m_err_off);
            d.line = p.line;
            d.column = p.column;
            d.hint = m_err_hint;
            Error e(ErrorKind::Config, m_file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) +
                                           ": invalid JSON: " + d.message);
            e.diagnostics.push_back(std::move(d));
            return e;
        }
        return root;
    }

private:
    std::string_view m_t;
    const std::string& m_file;
    size_t m_p = 0;  // scan position
    // Line bookkeeping while scanning: the line number of m_p and the offset where that line starts. Only
    // trivia (whitespace, comments) can hold line breaks; a string cannot (that is an error).
    int m_line = 1;
    size_t m_line_start = 0;
    int m_tok_line = 1;           // line of the current token
    size_t m_tok_line_start = 0;  // offset where that line starts
    size_t m_tok_off = 0;         // offset of the current token
    Tok m_tok = Tok::Eof;
    std::string m_str;       // decoded string of a String token
    std::string_view m_num;  // text of a Number token
    std::string m_err_code, m_err_text, m_err_hint;
    size_t m_err_off = 0;

    bool failed() const { return !m_err_code.empty(); }

    void fail(const char* code, std::string text, std::string hint = {}) {
        fail_at(m_tok_off, code, std::move(text), std::move(hint));
    }
    void fail_at(size_t off, const char* code, std::string text, std::string hint = {}) {
        if (failed()) return;  // only the first error counts, like wrangler
        m_err_code = code;
        m_err_text = std::move(text);
        m_err_hint = std::move(hint);
        m_err_off = off;
    }

    // Position of any offset (used for errors: counts lines from the start).
    Pos pos_at(size_t off) const {
        off = std::min(off, m_t.size());
        int line = 1;
        size_t start = 0;
        for (size_t i = 0; i < off; ++i)
            if (m_t[i] == '\n') {
                ++line;
                start = i + 1;
            }
        return {line, static_cast<int>(off - start) + 1};
    }
    // Position of the current token, from the running line count.
    Pos tok_pos() const { return {m_tok_line, static_cast<int>(m_tok_off - m_tok_line_start) + 1}; }

    void newline_at(size_t i) {
        ++m_line;
        m_line_start = i + 1;
    }

    // Scans the next significant token; comments and whitespace are trivia.
    void next() {
        if (failed()) {
            m_tok = Tok::Eof;
            return;
        }
        // Locals, not members, in the loops: a store to a member could alias the text (char data), which
        // would make the compiler reload everything on every byte.
        const size_t n = m_t.size();
        const char* d = m_t.data();
        size_t p = m_p;
        while (true) {
            while (p < n) {
                char w = d[p];
                if (w == ' ' || w == '\t' || w == '\r') {
                    ++p;
                    continue;
                }
                if (w == '\n') {
                    newline_at(p);
                    ++p;
                    continue;
                }
                if (static_cast<unsigned char>(w) < 0x80 && w != '\v' && w != '\f') break;
                size_t len = trivia_len(m_t, p);
                if (len == 0) break;
                p += len;
            }
            m_p = p;
            m_tok_off = p;
            m_tok_line = m_line;
            m_tok_line_start = m_line_start;
            if (p >= n) {
                m_tok = Tok::Eof;
                return;
            }
            char c = d[p];
            if (c == '/' && p + 1 < n && d[p + 1] == '/') {
                // A line comment ends before a line break (\n or \r).
                p += 2;
                while (p < n && d[p] != '\n' && d[p] != '\r') ++p;
                continue;
            }
            if (c == '/' && p + 1 < n && d[p + 1] == '*') {
                size_t end = m_t.find("*/", p + 2);
                if (end == std::string_view::npos) {
                    fail("UnexpectedEndOfComment", "a /* comment is never closed", "add the closing */");
                    m_tok = Tok::Eof;
                    return;
                }
                for (size_t i = p + 2; i < end; ++i)
                    if (d[i] == '\n') newline_at(i);
                p = end + 2;
                continue;
            }
            break;
        }
        char c = m_t[m_p];
        switch (c) {
            case '{':
                ++m_p;
                m_tok = Tok::OpenBrace;
                return;
            case '}':
                ++m_p;
                m_tok = Tok::CloseBrace;
                return;
            case '[':
                ++m_p;
                m_tok = Tok::OpenBracket;
                return;
            case ']':
                ++m_p;
                m_tok = Tok::CloseBracket;
                return;
            case ',':
                ++m_p;
                m_tok = Tok::Comma;
                return;
            case ':':
                ++m_p;
                m_tok = Tok::Colon;
                return;
            case '"':
                scan_string();
                return;
            default:
                break;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            scan_number();
            return;
        }
        if (c == '/') {  // a lone slash
            ++m_p;
            m_tok = Tok::Unknown;
            fail("InvalidSymbol", "unexpected character '/'", "comments start with // or /*");
            return;
        }
        size_t start = m_p;
        while (m_p < m_t.size() && trivia_len(m_t, m_p) == 0 && !is_separator(static_cast<unsigned char>(m_t[m_p])))
            ++m_p;
        std::string_view word = m_t.substr(start, m_p - start);
        if (word == "true")
            m_tok = Tok::True;
        else if (word == "false")
            m_tok = Tok::False;
        else if (word == "null")
            m_tok = Tok::Null;
        else {
            m_tok = Tok::Unknown;
            std::string shown(word.substr(0, 40));
            fail("InvalidSymbol", "unexpected '" + shown + "'",
                 word.front() == '\'' ? "JSON strings use double quotes"
                                      : "strings must be quoted; literals are true, false and null");
        }
    }

    void scan_string() {
        ++m_p;  // opening quote
        m_str.clear();
        m_tok = Tok::String;
        while (true) {
            if (m_p >= m_t.size()) {
                fail("UnexpectedEndOfString", "a string is never closed", "add the closing \"");
                return;
            }
            char c = m_t[m_p];
            if (c == '"') {
                ++m_p;
                return;
            }
            if (c == '\\') {
                if (m_p + 1 >= m_t.size()) {
                    ++m_p;
                    fail("UnexpectedEndOfString", "a string is never closed", "add the closing \"");
                    return;
                }
                char e = m_t[m_p + 1];
                m_p += 2;
                switch (e) {
                    case '"':
                        m_str += '"';
                        break;
                    case '\\':
                        m_str += '\\';
                        break;
                    case '/':
                        m_str += '/';
                        break;
                    case 'b':
                        m_str += '\b';
                        break;
                    case 'f':
                        m_str += '\f';
                        break;
                    case 'n':
                        m_str += '\n';
                        break;
                    case 'r':
                        m_str += '\r';
                        break;
                    case 't':
                        m_str += '\t';
                        break;
                    case 'u': {
                        unsigned cp = 0;
                        if (!read_hex4(cp)) {
                            fail("InvalidUnicode", "invalid \\u escape in a string",
                                 "use \\u followed by four hex digits");
                            return;
                        }
                        if (cp >= 0xD800 && cp <= 0xDBFF && m_p + 1 < m_t.size() && m_t[m_p] == '\\' &&
                            m_t[m_p + 1] == 'u') {
                            size_t save = m_p;
                            m_p += 2;
                            unsigned lo = 0;
                            if (read_hex4(lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            } else {
                                m_p = save;
                            }
                        }
                        append_utf8(m_str, cp);
                        break;
                    }
                    default:
                        fail("InvalidEscapeCharacter", std::string("invalid escape \\") + e + " in a string",
                             "valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
                        return;
                }
                continue;
            }
            if (c == '\n' || c == '\r') {
                fail("UnexpectedEndOfString", "a string is never closed on its line",
                     "add the closing \" (use \\n for a line break)");
                return;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("InvalidCharacter", "control character in a string", "escape it, e.g. \\t");
                return;
            }
            const char* d = m_t.data();  // a run of plain characters is copied at once
            const size_t n = m_t.size();
            size_t run = m_p + 1;
            while (run < n && k_bytes.plain[static_cast<unsigned char>(d[run])]) ++run;
            m_str.append(m_t.data() + m_p, run - m_p);
            m_p = run;
        }
    }

    bool read_hex4(unsigned& cp) {
        if (m_p + 4 > m_t.size()) return false;
        cp = 0;
        for (int k = 0; k < 4; ++k) {
            int h = hex_val(m_t[m_p + static_cast<size_t>(k)]);
            if (h < 0) return false;
            cp = cp * 16 + static_cast<unsigned>(h);
        }
        m_p += 4;
        return true;
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    void scan_number() {
        size_t start = m_p;
        m_tok = Tok::Number;
        if (m_t[m_p] == '-') {
            ++m_p;
            if (m_p >= m_t.size() || !is_digit(m_t[m_p])) {
                m_tok = Tok::Unknown;
                fail("InvalidSymbol", "'-' is not followed by a number");
                return;
            }
        }
        if (m_t[m_p] == '0') {
            ++m_p;
        } else {
            while (m_p < m_t.size() && is_digit(m_t[m_p])) ++m_p;
        }
        if (m_p < m_t.size() && m_t[m_p] == '.') {
            ++m_p;
            if (m_p >= m_t.size() || !is_digit(m_t[m_p])) {
                fail("UnexpectedEndOfNumber", "a number ends with '.'", "add digits after the decimal point");
                return;
            }
            while (m_p < m_t.size() && is_digit(m_t[m_p])) ++m_p;
        }
        if (m_p < m_t.size() && (m_t[m_p] == 'e' || m_t[m_p] == 'E')) {
            ++m_p;
            if (m_p < m_t.size() && (m_t[m_p] == '+' || m_t[m_p] == '-')) ++m_p;
            if (m_p >= m_t.size() || !is_digit(m_t[m_p])) {
                fail("UnexpectedEndOfNumber", "a number's exponent has no digits");
                return;
            }
            while (m_p < m_t.size() && is_digit(m_t[m_p])) ++m_p;
        }
        m_num = m_t.substr(start, m_p - start);
    }

    void set_pos(Node& n) { n.pos = tok_pos(); }

    bool parse_value(Node& out, int depth) {
        if (failed()) return false;
        set_pos(out);
        switch (m_tok) {
            case Tok::OpenBrace:
                return parse_object(out, depth + 1);
            case Tok::OpenBracket:
                return parse_array(out, depth + 1);
            case Tok::String:
                out.kind = Node::Kind::String;
                out.s = std::move(m_str);
                next();
                return true;
            case Tok::Number: {
                bool integral = m_num.find_first_of(".eE") == std::string_view::npos;
                std::int64_t iv = 0;
                if (integral) {
                    auto r = std::from_chars(m_num.data(), m_num.data() + m_num.size(), iv);
                    // JavaScript numbers are doubles: keep an integer only when it is exactly representable.
                    if (r.ec == std::errc() && iv <= (std::int64_t(1) << 53) && iv >= -(std::int64_t(1) << 53)) {
                        out.kind = Node::Kind::Int;
                        out.i = iv;
                        next();
                        return true;
                    }
                }
                out.kind = Node::Kind::Float;
                out.f = std::strtod(std::string(m_num).c_str(), nullptr);
                next();
                return true;
            }
            case Tok::True:
                out.kind = Node::Kind::Bool;
                out.b = true;
                next();
                return true;
            case Tok::False:
                out.kind = Node::Kind::Bool;
                out.b = false;
                next();
                return true;
            case Tok::Null:
                out.kind = Node::Kind::Null;
                next();
                return true;
            default:
                return false;
        }
    }

    bool check_depth(int depth) {
        if (depth <= k_max_depth) return true;
        fail("InvalidSymbol", "the document is nested more than " + std::to_string(k_max_depth) + " levels deep");
        return false;
    }

    // Members and elements are collected on one scratch stack shared by every nesting level and moved into an
    // exactly sized vector when their object or array closes: each node is moved twice at most, and no vector
    // regrows while a large object is read.
    std::vector<Node> m_stack;

    void close_into(Node& out, size_t base) {
        out.items.assign(std::make_move_iterator(m_stack.begin() + static_cast<std::ptrdiff_t>(base)),
                         std::make_move_iterator(m_stack.end()));
        m_stack.resize(base);
    }

    bool parse_object(Node& out, int depth) {
        out.kind = Node::Kind::Object;
        if (!check_depth(depth)) return false;
        next();  // {
        const size_t base = m_stack.size();
        KeyIndex index;  // used once an object has 16 members
        auto key_at = [this, base](unsigned k) -> std::string_view { return m_stack[base + k].key; };
        bool needs_comma = false;
        while (!failed() && m_tok != Tok::CloseBrace && m_tok != Tok::Eof) {
            if (m_tok == Tok::Comma) {
                if (!needs_comma) {
                    fail("ValueExpected", "unexpected ',' where a property was expected");
                    return false;
                }
                next();
                if (m_tok == Tok::CloseBrace) break;  // trailing comma
            } else if (needs_comma) {
                fail("CommaExpected", "expected ',' or '}' after a property value", "a comma is missing before this");
                return false;
            }
            if (m_tok != Tok::String) {
                if (!failed())
                    fail("PropertyNameExpected", "expected a property name in double quotes",
                         m_tok == Tok::Unknown ? "property names must be quoted" : "");
                return false;
            }
            Node member;
            member.key = std::move(m_str);
            member.key_pos = tok_pos();
            next();
            if (m_tok != Tok::Colon) {
                fail("ColonExpected", "expected ':' after the property name \"" + member.key.substr(0, 60) + "\"");
                return false;
            }
            next();
            if (!parse_value(member, depth)) {
                if (!failed()) fail("ValueExpected", "expected a value for \"" + member.key.substr(0, 60) + "\"");
                return false;
            }
            // Duplicate keys: the last one wins (JavaScript keeps the first key's place in the order).
            const size_t count = m_stack.size() - base;
            long existing = -1;
            if (count >= 16) {
                if (index.empty())
                    for (unsigned k = 0; k < count; ++k) index.add(KeyIndex::hash(key_at(k)), k);
                const std::uint32_t h = KeyIndex::hash(member.key);
                existing = index.find(member.key, h, key_at);
                if (existing < 0) index.add(h, static_cast<std::uint32_t>(count));
            } else {
                for (size_t k = 0; k < count; ++k)
                    if (m_stack[base + k].key == member.key) existing = static_cast<long>(k);
            }
            if (existing >= 0)
                m_stack[base + static_cast<size_t>(existing)] = std::move(member);
            else
                m_stack.push_back(std::move(member));
            needs_comma = true;
        }
        if (failed()) return false;
        if (m_tok != Tok::CloseBrace) {
            fail("CloseBraceExpected", "expected '}' to close the object", "an object is never closed");
            return false;
        }
        close_into(out, base);
        next();
        return true;
    }

    bool parse_array(Node& out, int depth) {
        out.kind = Node::Kind::Array;
        if (!check_depth(depth)) return false;
        next();  // [
        const size_t base = m_stack.size();
        bool needs_comma = false;
        while (!failed() && m_tok != Tok::CloseBracket && m_tok != Tok::Eof) {
            if (m_tok == Tok::Comma) {
                if (!needs_comma) {
                    fail("ValueExpected", "unexpected ',' where a value was expected");
                    return false;
                }
                next();
                if (m_tok == Tok::CloseBracket) break;  // trailing comma
            } else if (needs_comma) {
                fail("CommaExpected", "expected ',' or ']' after an array element", "a comma is missing before this");
                return false;
            }
            Node item;
            if (!parse_value(item, depth)) {
                if (!failed()) fail("ValueExpected", "expected a value");
                return false;
            }
            m_stack.push_back(std::move(item));
            needs_comma = true;
        }
        if (failed()) return false;
        if (m_tok != Tok::CloseBracket) {
            fail("CloseBracketExpected", "expected ']' to close the array", "an array is never closed");
            return false;
        }
        close_into(out, base);
        next();
        return true;
    }
};

}  // namespace

Result<Node> parse_jsonc(std::string_view text, const std::string& file) {
    return Parser(text, file).run();
}

std::string blank_jsonc(std::string_view t) {
    std::string out(t);
    auto blank = [&out](size_t from, size_t to) {
        for (size_t k = from; k < to && k < out.size(); ++k)
            if (out[k] != '\n' && out[k] != '\r') out[k] = ' ';
    };
    size_t p = 0;
    size_t pending_comma = std::string::npos;  // a comma not yet followed by a value
    while (p < t.size()) {
        char c = t[p];
        if (c == '"') {
            pending_comma = std::string::npos;
            ++p;
            while (p < t.size() && t[p] != '"' && t[p] != '\n') p += (t[p] == '\\') ? 2 : 1;
            ++p;
            continue;
        }
        if (c == '/' && p + 1 < t.size() && t[p + 1] == '/') {
            size_t e = p;
            while (e < t.size() && t[e] != '\n' && t[e] != '\r') ++e;
            blank(p, e);
            p = e;
            continue;
        }
        if (c == '/' && p + 1 < t.size() && t[p + 1] == '*') {
            size_t e = t.find("*/", p + 2);
            e = (e == std::string_view::npos) ? t.size() : e + 2;
            blank(p, e);
            p = e;
            continue;
        }
        size_t step = 1;
        if (c == ',') {
            pending_comma = p;
        } else if (c == '}' || c == ']') {
            if (pending_comma != std::string::npos) out[pending_comma] = ' ';
            pending_comma = std::string::npos;
        } else if (size_t n = trivia_len(t, p); n > 0) {
            step = n;
        } else {
            pending_comma = std::string::npos;
        }
        p += step;
    }
    return out;
}

}  // namespace tenantctl::config
