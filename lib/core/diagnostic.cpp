#include "core/diagnostic.hpp"

#include <algorithm>
#include <cstring>

#include "core/limits.hpp"

namespace tenantctl {

SourceText::SourceText(std::string name, std::string text) : m_name(std::move(name)), m_text(std::move(text)) {
    m_line_starts.push_back(0);
    const char* base = m_text.data();
    const char* end = base + m_text.size();
    for (const char* p = base; p < end;) {
        const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
        if (!nl) break;
        p = static_cast<const char*>(nl) + 1;
        m_line_starts.push_back(static_cast<size_t>(p - base));
    }
}

SourceText::Position SourceText::position_of(size_t offset) const {
    if (m_line_starts.empty()) return {1, 1};
    offset = std::min(offset, m_text.size());
    auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
    size_t idx = static_cast<size_t>(it - m_line_starts.begin()) - 1;
    return {static_cast<int>(idx) + 1, static_cast<int>(offset - m_line_starts[idx]) + 1};
}

size_t SourceText::offset_of(int line, int column) const {
    if (m_line_starts.empty() || line < 1) return 0;
    size_t idx = std::min(static_cast<size_t>(line - 1), m_line_starts.size() - 1);
    size_t off = m_line_starts[idx] + static_cast<size_t>(std::max(column, 1) - 1);
    return std::min(off, m_text.size());
}

std::string_view SourceText::line_text(int line) const {
    if (line < 1 || static_cast<size_t>(line) > m_line_starts.size()) return {};
    size_t begin = m_line_starts[static_cast<size_t>(line - 1)];
    size_t end = m_text.find('\n', begin);
    if (end == std::string::npos) end = m_text.size();
    std::string_view v(m_text.data() + begin, end - begin);
    if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
    return v;
}

const char* to_string(Severity s) {
    switch (s) {
        case Severity::Error:
            return "error";
        case Severity::Warning:
            return "warning";
        case Severity::Note:
            return "note";
    }
    return "error";
}

void attach_source_lines(std::vector<Diagnostic>& ds, const SourceText& source) {
    for (auto& d : ds) {
        if (!d.source_line.empty() || d.line <= 0 || d.line > source.line_count()) continue;
        if (!d.file.empty() && d.file != source.name()) continue;
        std::string_view line = source.line_text(d.line);
        // A huge line (a one-line minified file) is not copied into every diagnostic: they render without it.
        if (line.size() > 8 * limits::k_max_excerpt_width) continue;
        d.source_line = std::string(line);
    }
}

std::string render_diagnostic(const Diagnostic& d, const SourceText* source) {
    std::string out;
    if (!d.file.empty()) {
        out += d.file;
        if (d.line > 0) {
            out += ':' + std::to_string(d.line);
            if (d.column > 0) out += ':' + std::to_string(d.column);
        }
        out += ": ";
    }
    out += to_string(d.severity);
    out += ": ";
    out += d.message;
    out += '\n';
    const bool from_source = source && d.line > 0 && d.line <= source->line_count();
    if (from_source || (!source && d.line > 0 && !d.source_line.empty())) {
        std::string_view text = from_source ? source->line_text(d.line) : std::string_view(d.source_line);
        std::string gutter = std::to_string(d.line);
        size_t caret = d.column > 0 ? static_cast<size_t>(d.column - 1) : 0;
        // A long line (a minified file) is cut to a window of limits::k_max_excerpt_width bytes around the
        // caret, marked with "..." where it was cut, so each diagnostic stays a few hundred bytes.
        std::string lead, tail;
        if (text.size() > limits::k_max_excerpt_width) {
            size_t w = limits::k_max_excerpt_width;
            size_t from = caret > w / 2 ? caret - w / 2 : 0;
            if (from + w > text.size()) from = text.size() > w ? text.size() - w : 0;
            if (from > 0) lead = "...";
            if (from + w < text.size()) tail = "...";
            text = text.substr(from, w);
            caret = caret - std::min(caret, from) + lead.size();
        }
        out += "  " + gutter + " | " + lead;
        // Tabs are rendered as single spaces so the caret lines up.
        for (char c : text) out += (c == '\t') ? ' ' : c;
        out += tail + '\n';
        out += "  " + std::string(gutter.size(), ' ') + " | ";
        if (d.column > 0) out += std::string(caret, ' ') + '^';
        out += '\n';
    }
    if (!d.hint.empty()) out += "  hint: " + d.hint + '\n';
    return out;
}

std::vector<Diagnostic> capped_diagnostics(const std::vector<Diagnostic>& ds) {
    std::vector<std::pair<std::string, size_t>> seen;  // file -> count (few files: a vector is enough)
    std::vector<Diagnostic> out;
    for (const auto& d : ds) {
        auto it = std::find_if(seen.begin(), seen.end(), [&](auto& p) { return p.first == d.file; });
        if (it == seen.end()) it = seen.insert(seen.end(), {d.file, 0});
        if (++it->second <= limits::k_max_diagnostics_per_file) out.push_back(d);
    }
    for (auto& [file, n] : seen) {
        if (n <= limits::k_max_diagnostics_per_file) continue;
        Diagnostic note;
        note.severity = Severity::Note;
        note.file = file;
        note.message = std::to_string(n - limits::k_max_diagnostics_per_file) + " more diagnostic" +
                       (n - limits::k_max_diagnostics_per_file == 1 ? "" : "s") + " not shown (limit " +
                       "k_max_diagnostics_per_file: " + std::to_string(limits::k_max_diagnostics_per_file) +
                       " per file)";
        out.push_back(std::move(note));
    }
    return out;
}

std::string render_diagnostics(const std::vector<Diagnostic>& ds, const SourceText* source) {
    std::string out;
    for (const auto& d : ds) out += render_diagnostic(d, source);
    return out;
}

static size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

}  // namespace tenantctl
