// TOML -> Node with positions, via toml++ (TOML 1.0). toml++ tables are ordered by key, so members are put
// back in file order using the positions of their keys (wrangler's environment list follows file order).
#include <algorithm>
#include <sstream>
#include <toml++/toml.h>

#include "config/node.hpp"

namespace tenantctl::config {

namespace {

class Converter {
public:
    explicit Converter(std::string_view text) : m_t(text) {
        m_line_starts.push_back(0);
        for (size_t i = 0; i < m_t.size(); ++i)
            if (m_t[i] == '\n') m_line_starts.push_back(i + 1);
    }

    // toml++ counts columns in code points; diagnostics use byte columns.
    Pos pos(const toml::source_position& sp) const {
        if (sp.line == 0) return {};
        int line = static_cast<int>(sp.line);
        if (static_cast<size_t>(line) > m_line_starts.size()) return {line, static_cast<int>(sp.column)};
        size_t b = m_line_starts[static_cast<size_t>(line - 1)];
        size_t p = b;
        for (toml::source_index cp = 1; cp < sp.column && p < m_t.size() && m_t[p] != '\n'; ++cp) {
            ++p;
            while (p < m_t.size() && (static_cast<unsigned char>(m_t[p]) & 0xC0) == 0x80) ++p;
        }
        return {line, static_cast<int>(p - b) + 1};
    }

    Node convert(const toml::node& n, int depth) {
        Node out;
        out.pos = pos(n.source().begin);
        if (depth > 200) return out;  // toml++ limits nesting itself; this is a second fence
        switch (n.type()) {
            case toml::node_type::table: {
                out.kind = Node::Kind::Object;
                const auto& t = *n.as_table();
                for (auto&& [k, v] : t) {
                    Node m = convert(v, depth + 1);
                    m.key = std::string(k.str());
                    m.key_pos = pos(k.source().begin);
                    if (m.key_pos.line == 0) m.key_pos = m.pos;
                    out.items.push_back(std::move(m));
                }
                std::stable_sort(out.items.begin(), out.items.end(), [](const Node& a, const Node& b) {
                    if (a.key_pos.line != b.key_pos.line) return a.key_pos.line < b.key_pos.line;
                    return a.key_pos.column < b.key_pos.column;
                });
                break;
            }
            case toml::node_type::array: {
                out.kind = Node::Kind::Array;
                for (const auto& e : *n.as_array()) out.items.push_back(convert(e, depth + 1));
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
            case toml::node_type::date:
            case toml::node_type::time:
            case toml::node_type::date_time: {
                out.kind = Node::Kind::Date;
                std::ostringstream os;
                if (auto d = n.as_date()) os << d->get();
                else if (auto t = n.as_time()) os << t->get();
                else if (auto dt = n.as_date_time()) os << dt->get();
                out.s = os.str();
                break;
            }
            default: break;
        }
        return out;
    }

private:
    std::string_view m_t;
    std::vector<size_t> m_line_starts;
};

}  // namespace

Result<Node> parse_toml(std::string_view text, const std::string& file) {
    Converter conv(text);
    try {
        toml::table tbl = toml::parse(text, file);
        Node root = conv.convert(tbl, 0);
        root.pos = {1, 1};
        return root;
    } catch (const toml::parse_error& e) {
        Diagnostic d;
        d.severity = Severity::Error;
        d.message = "Invalid TOML document: " + std::string(e.description());
        d.file = file;
        Pos p = conv.pos(e.source().begin);
        d.line = p.line;
        d.column = p.column;
        Error err(ErrorKind::Config, file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + d.message);
        err.diagnostics.push_back(std::move(d));
        return err;
    }
}

}  // namespace tenantctl::config
