// The Ui's two Progress renderers: a bar redrawn in place on a terminal, one line per finished item otherwise.
#include <iostream>
#include <vector>

#include "context.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

// A tool's output cut into lines (a "\r" or "\n" ends one; blank lines are dropped), for both renderers.
class ToolLines {
public:
    std::vector<std::string> feed(std::string_view chunk) {
        m_buf.append(chunk);
        std::vector<std::string> out;
        size_t nl;
        while ((nl = m_buf.find_first_of("\r\n")) != std::string::npos) {
            if (auto l = std::string(trim(m_buf.substr(0, nl))); !l.empty()) out.push_back(std::move(l));
            m_buf.erase(0, nl + 1);
        }
        return out;
    }
    std::vector<std::string> flush() {
        std::vector<std::string> out;
        if (auto l = std::string(trim(m_buf)); !l.empty()) out.push_back(std::move(l));
        m_buf.clear();
        return out;
    }

private:
    std::string m_buf;
};

// With --json a tool's output is shown only with -v.
bool shows_output(const Ui& ui) {
    return !ui.machine() || ui.verbosity() >= 1;
}

// One line per finished item ("created acme (3/10)"), failures without the count; long waits on a line.
class PlainProgress : public Progress {
public:
    explicit PlainProgress(Ui& ui) : m_ui(ui) {}
    void start(size_t) override {}
    void advance(const ProgressStep& s) override {
        m_ui.info(s.ok ? s.line + " (" + std::to_string(s.done) + "/" + std::to_string(s.total) + ")" : s.line);
    }
    void waiting(std::string_view line, std::chrono::milliseconds wait) override {
        if (wait >= std::chrono::seconds(2)) m_ui.info(line);
    }
    void note(std::string_view line) override {
        flush_output();
        m_ui.info(line);
    }
    // Every line of a tool's output, indented under the step that runs it.
    void output(std::string_view chunk) override {
        if (!shows_output(m_ui)) return;
        for (const auto& l : m_lines.feed(chunk)) m_ui.info("  | " + l);
    }
    void finish() override { flush_output(); }

private:
    void flush_output() {
        for (const auto& l : m_lines.flush()) m_ui.info("  | " + l);
    }
    Ui& m_ui;
    ToolLines m_lines;
};

// [#####     ] 5/10 (1 failed)  waiting …: failures and notes on lines of their own below it.
class TerminalProgress : public Progress {
public:
    explicit TerminalProgress(Ui& ui) : m_ui(ui) {}
    void start(size_t total) override {
        m_total = total;
        m_done = m_failed = 0;
        m_open = false;
    }
    void advance(const ProgressStep& s) override {
        m_done = s.done;
        if (!s.ok) ++m_failed;
        m_wait.clear();
        draw();
        if (!s.ok) {
            std::cerr << "\n" << Redactor::global().redact(s.line) << "\n";
            m_open = false;
        }
    }
    void waiting(std::string_view line, std::chrono::milliseconds) override {
        m_wait = std::string(line);
        draw();
    }
    void note(std::string_view line) override {
        end_output();
        if (m_open) std::cerr << "\n";
        m_open = false;
        m_ui.info(line);
    }
    // A tool's output: with -v every line below the step; otherwise only its latest line, redrawn in place and
    // cleared by the next step.
    void output(std::string_view chunk) override {
        if (!shows_output(m_ui)) return;
        for (const auto& l : m_lines.feed(chunk)) output_line(l);
    }
    void finish() override {
        end_output();
        if (m_open) std::cerr << "\n" << std::flush;
        m_open = false;
    }

private:
    void output_line(const std::string& l) {
        if (m_ui.verbosity() >= 1) {
            if (m_open) std::cerr << "\n";
            m_open = false;
            m_ui.info("  | " + l);
            return;
        }
        std::cerr << "\r\x1b[K  " << Redactor::global().redact(l.substr(0, 100)) << std::flush;
        m_status = true;
    }
    void end_output() {
        for (const auto& l : m_lines.flush()) output_line(l);
        if (m_status) std::cerr << "\r\x1b[K" << std::flush;
        m_status = false;
    }
    void draw() {
        const size_t width = 30;
        size_t filled = width * m_done / std::max<size_t>(m_total, 1);
        std::string line = "\r\x1b[K[" + std::string(filled, '#') + std::string(width - filled, ' ') + "] " +
                           std::to_string(m_done) + "/" + std::to_string(m_total);
        if (m_failed) line += " (" + std::to_string(m_failed) + " failed)";
        if (!m_wait.empty() && m_done < m_total) line += "  " + m_wait;
        bool complete = m_done == m_total;
        std::cerr << line << (complete ? "\n" : "") << std::flush;
        m_open = !complete;
    }
    Ui& m_ui;
    size_t m_total = 0, m_done = 0, m_failed = 0;
    std::string m_wait;
    bool m_open = false;    // the bar is drawn and the cursor is after it
    bool m_status = false;  // a tool's latest line is drawn in place
    ToolLines m_lines;
};

}  // namespace

std::unique_ptr<Progress> Ui::progress() {
    if (m_stderr_tty) return std::make_unique<TerminalProgress>(*this);
    return std::make_unique<PlainProgress>(*this);
}

}  // namespace tenantctl::cli
