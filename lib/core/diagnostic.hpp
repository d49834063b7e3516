#pragma once
// Diagnostic: one problem (or warning) found in an input file, with its position and field path.
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
    Severity severity = Severity::Error;
    std::string message;
    std::string file;  // as given/displayed (relative to cwd when possible)
    int line = 0;      // 1-based; 0 = unknown
    int column = 0;    // 1-based; 0 = unknown
    std::string path;  // field path, e.g. containers[0].max_instances
    std::string hint;  // "did you mean …" or advice; may be empty
    // The source line, when the diagnostic comes from a tool that reports it (esbuild) rather than from a
    // SourceText the renderer is given.
    std::string source_line;
};

// A source text with a line index, for positions and caret rendering.
class SourceText {
public:
    SourceText() = default;
    SourceText(std::string name, std::string text);

    const std::string& name() const { return m_name; }
    const std::string& text() const { return m_text; }

    struct Position {
        int line = 0;    // 1-based
        int column = 0;  // 1-based, in bytes
    };
    Position position_of(size_t offset) const;
    size_t offset_of(int line, int column) const;  // inverse of position_of (clamped)
    std::string_view line_text(int line) const;    // without the newline
    int line_count() const { return static_cast<int>(m_line_starts.size()); }

private:
    std::string m_name;
    std::string m_text;
    std::vector<size_t> m_line_starts;
};

// Fills `source_line` of every diagnostic of `source`'s file (or of no file) that has a line in it, so the
// diagnostic renders with its source line and caret wherever it travels (an Error's diagnostics included)
// without the file being read again.
void attach_source_lines(std::vector<Diagnostic>& ds, const SourceText& source);

// `file:line:col: error: message` + the source line + a caret + `hint: …`. `source` may be null (then the
// diagnostic's own `source_line`, if any, is shown).
std::string render_diagnostic(const Diagnostic& d, const SourceText* source);
std::string render_diagnostics(const std::vector<Diagnostic>& ds, const SourceText* source);

// At most limits::k_max_diagnostics_per_file diagnostics of each file, in order, then (per file that had more)
// one note saying how many were left out. Everything that prints or emits diagnostics goes through this.
std::vector<Diagnostic> capped_diagnostics(const std::vector<Diagnostic>& ds);

const char* to_string(Severity s);

// Edit distance based suggestion: the closest candidate within a small distance, or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tenantctl
