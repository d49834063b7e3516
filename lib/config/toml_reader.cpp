// TOML 1.0 -> Node through toml++ (3.3, Debian's). toml++ gives code-point columns and tables ordered by key; the
// tree needs byte columns and file order: members are sorted back by the positions of their keys, and the
// columns of lines with non-ASCII text are converted in one pass over the text.
// toml++ bounds nested values (arrays, inline tables: TOML_MAX_NESTED_VALUES, 256) but not tables made by
// headers and dotted keys, and destroys its tree recursively: a file of "a.a.a.…" overflows the stack. So the
// depth is bounded before parsing (too_deep_at).
#include <toml++/toml.h>
#include <algorithm>
#include <sstream>
#include <vector>

#include "config/node.hpp"

namespace tenantctl::config {

namespace {

// Tables made by headers and dotted keys, arrays and inline tables nest at most this deep.
constexpr int k_max_toml_depth = 1024;

bool is_bare(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// The byte offset where an upper bound of the tree's depth first exceeds k_max_toml_depth, or npos. A cheap scan
// that knows strings, comments, headers, dotted chains (`a.b.c`, quoted segments too) and brackets: the depth of
// a member is that of its table plus the segments of its key; a bracket opens one level more. Numbers and dates
// with a dot count as chains too, which only overestimates.
size_t too_deep_at(std::string_view t) {
    struct Frame {
        int outer, inner;  // base depth before the bracket, and of its elements
    };
    std::vector<Frame> frames;
    int header = 0, base = 0, chain = 0;
    bool after_dot = false, line_start = true, in_header = false;
    const size_t n = t.size();
    auto segment = [&](size_t at) {
        chain = after_dot ? chain + 1 : 1;
        after_dot = false;
        return base + chain > k_max_toml_depth ? at : std::string_view::npos;
    };
    for (size_t i = t.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0; i < n;) {
        const char c = t[i];
        const bool was_line_start = line_start;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') line_start = false;
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
        } else if (c == '\n') {
            ++i;
            chain = 0;
            after_dot = false;
            if (frames.empty()) {
                line_start = true;
                in_header = false;
                base = header;
            }
        } else if (c == '#') {
            while (i < n && t[i] != '\n') ++i;
        } else if (c == '"' || c == '\'') {
            const size_t at = i;
            auto triple = [&](size_t k) { return k + 2 < n && t[k] == c && t[k + 1] == c && t[k + 2] == c; };
            if (triple(i)) {
                size_t end = i + 3;
                for (; end < n && !triple(end); ++end)
                    if (c == '"' && t[end] == '\\') ++end;
                // up to two quotes may stand just inside the closing delimiter
                for (int extra = 0; extra < 2 && end + 3 < n && t[end + 3] == c; ++extra) ++end;
                i = std::min(n, end + 3);
            } else {
                for (++i; i < n && t[i] != c && t[i] != '\n'; ++i)
                    if (c == '"' && t[i] == '\\' && i + 1 < n && t[i + 1] != '\n') ++i;
                if (i < n && t[i] == c) ++i;
            }
            if (size_t bad = segment(at); bad != std::string_view::npos) return bad;
        } else if (is_bare(c)) {
            const size_t at = i;
            while (i < n && is_bare(t[i])) ++i;
            if (size_t bad = segment(at); bad != std::string_view::npos) return bad;
        } else if (c == '.') {
            ++i;
            after_dot = chain > 0;
        } else if (c == '[' && was_line_start && frames.empty()) {
            in_header = true;
            base = chain = 0;
            after_dot = false;
            i += (i + 1 < n && t[i + 1] == '[') ? 2 : 1;
        } else if (c == ']' && in_header) {
            in_header = false;
            header = chain + 1;  // + 1: an array of tables' element
            base = header;
            chain = 0;
            after_dot = false;
            ++i;
        } else if (c == '[' || c == '{') {
            const int inner = base + chain + 1;
            if (inner > k_max_toml_depth) return i;
            frames.push_back({base, inner});
            base = inner;
            chain = 0;
            after_dot = false;
            ++i;
        } else if ((c == ']' || c == '}') && !frames.empty()) {
            base = frames.back().outer;
            frames.pop_back();
            chain = 0;
            after_dot = false;
            ++i;
        } else {
            if (c == '=') base += chain;
            if (c == ',' && !frames.empty()) base = frames.back().inner;
            chain = 0;
            after_dot = false;
            ++i;
        }
    }
    return std::string_view::npos;
}

// 1-based line and byte column of a byte offset.
Pos pos_of_offset(std::string_view t, size_t at) {
    Pos p{1, 1};
    size_t ls = 0;
    for (size_t i = 0; i < at && i < t.size(); ++i)
        if (t[i] == '\n') {
            ++p.line;
            ls = i + 1;
        }
    p.column = static_cast<int>(at - ls) + 1;
    return p;
}

// toml++'s (line, code-point column) as it is; columns become byte columns afterwards (byte_columns).
Pos raw(const toml::source_position& sp) {
    return {static_cast<int>(sp.line), static_cast<int>(sp.column)};
}

// Code-point columns -> byte columns, for every position at once: sorted, then converted in one pass over the text
// (toml++ visits members in key order, so a position-by-position walk could go over a long line again and again).
void byte_columns(std::string_view t, std::vector<Pos*>& ps) {
    std::sort(ps.begin(), ps.end(), [](const Pos* a, const Pos* b) {
        return a->line != b->line ? a->line < b->line : a->column < b->column;
    });
    int line = 1, col = 1;  // of byte offset i
    size_t i = 0, ls = 0;   // ls: where i's line starts
    for (Pos* p : ps) {
        if (p->line <= 0) continue;
        while (i < t.size() && (line < p->line || (line == p->line && col < p->column && t[i] != '\n'))) {
            if (t[i++] == '\n') {
                ++line;
                col = 1;
                ls = i;
                continue;
            }
            ++col;
            while (i < t.size() && (static_cast<unsigned char>(t[i]) & 0xC0) == 0x80) ++i;
        }
        // A position past its line's end (toml++ reports some errors there) keeps its distance from the end.
        p->column = static_cast<int>(i - ls) + 1 + (line == p->line ? p->column - col : 0);
    }
}

template <typename T>
std::string printed(const T& v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

// The toml++ tree as Node, with toml++'s positions (byte_columns converts them). What is converted is freed at
// once, so that both trees of a large file are never whole at the same time.
void convert(toml::node& n, Node& out) {
    out.pos = raw(n.source().begin);
    switch (n.type()) {
        case toml::node_type::table: {
            out.kind = Node::Kind::Object;
            auto& t = *n.as_table();
            out.items.resize(t.size());
            size_t k = 0;
            for (auto it = t.begin(); it != t.end(); it = t.erase(it)) {
                Node& m = out.items[k++];
                m.key = std::string(it->first.str());
                const auto& key_at = it->first.source().begin;
                m.key_pos = key_at.line ? raw(key_at) : raw(it->second.source().begin);
                convert(it->second, m);
            }
            // File order: by where each key first appears (the order of the code-point columns is that of bytes).
            std::sort(out.items.begin(), out.items.end(), [](const Node& a, const Node& b) {
                return a.key_pos.line != b.key_pos.line ? a.key_pos.line < b.key_pos.line
                                                        : a.key_pos.column < b.key_pos.column;
            });
            break;
        }
        case toml::node_type::array: {
            out.kind = Node::Kind::Array;
            auto& a = *n.as_array();
            out.items.resize(a.size());
            for (size_t k = a.size(); k-- > 0; a.pop_back()) convert(a[k], out.items[k]);
            break;
        }
        case toml::node_type::string:
            out.kind = Node::Kind::String;
            out.s = n.as_string()->get();
            break;
        case toml::node_type::integer:
            out.kind = Node::Kind::Int;
            out.i = n.as_integer()->get();
            break;
        case toml::node_type::floating_point:
            out.kind = Node::Kind::Float;
            out.f = n.as_floating_point()->get();
            break;
        case toml::node_type::boolean:
            out.kind = Node::Kind::Bool;
            out.b = n.as_boolean()->get();
            break;
        // Dates and times keep their TOML text as toml++ prints it ('T', offset +00:00 as Z, no trailing zeros).
        case toml::node_type::date:
            out.kind = Node::Kind::Date;
            out.s = printed(n.as_date()->get());
            break;
        case toml::node_type::time:
            out.kind = Node::Kind::Date;
            out.s = printed(n.as_time()->get());
            break;
        case toml::node_type::date_time:
            out.kind = Node::Kind::Date;
            out.s = printed(n.as_date_time()->get());
            break;
        case toml::node_type::none:
            break;
    }
}

void positions_of(Node& n, std::vector<Pos*>& ps) {
    ps.push_back(&n.pos);
    if (!n.key.empty() || n.key_pos.line) ps.push_back(&n.key_pos);
    for (Node& m : n.items) positions_of(m, ps);
}

// toml++'s "Error while parsing <what>: <problem>" as "<problem> (parsing <what>)"; a line break in a one-line
// string (toml++: an unescaped control character) is called what it is.
std::string describe(std::string_view d, std::string_view text, Pos at) {
    std::string out(d);
    constexpr std::string_view prefix = "Error while parsing ";
    if (size_t colon = d.find(": "); d.substr(0, prefix.size()) == prefix && colon != std::string_view::npos)
        out = std::string(d.substr(colon + 2)) + " (parsing " +
              std::string(d.substr(prefix.size(), colon - prefix.size())) + ")";
    if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
    if (d.find("string: unescaped control characters") != std::string_view::npos) {
        size_t k = 0;
        for (int line = 1; line < at.line && k < text.size(); ++k)
            if (text[k] == '\n') ++line;
        k += static_cast<size_t>(at.column - 1);
        if (k >= text.size() || text[k] == '\n' || text[k] == '\r')
            out = "unterminated string (a line break before its closing quote)";
    }
    return out;
}

Error syntax_error(const std::string& file, Pos p, std::string what) {
    Diagnostic d;
    d.severity = Severity::Error;
    d.message = "Invalid TOML document: " + std::move(what);
    d.file = file;
    d.line = p.line;
    d.column = p.column;
    Error err(ErrorKind::Config,
              file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + d.message);
    err.diagnostics.push_back(std::move(d));
    return err;
}

}  // namespace

Result<Node> parse_toml(std::string_view text, const std::string& file) {
    if (size_t at = too_deep_at(text); at != std::string_view::npos)
        return syntax_error(file, pos_of_offset(text, at),
                            "nested more than " + std::to_string(k_max_toml_depth) +
                                " levels deep (tables, dotted keys, arrays and inline tables)");
    const bool ascii =
        std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    Node root;
    try {
        toml::table tbl = toml::parse(text);
        convert(tbl, root);
    } catch (const toml::parse_error& e) {
        Pos p = raw(e.source().begin);
        std::vector<Pos*> one{&p};
        if (!ascii) byte_columns(text, one);
        return syntax_error(file, p, describe(e.description(), text, p));
    }
    root.pos = {1, 1};
    if (!ascii) {
        std::vector<Pos*> ps;
        positions_of(root, ps);
        byte_columns(text, ps);
    }
    return root;
}

}  // namespace tenantctl::config
