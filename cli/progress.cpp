// The Ui's two Progress renderers: a bar redrawn in place on a terminal, one line per finished item otherwise.
#include <iostream>

#include "context.hpp"
#include "core/redact.hpp"

namespace tenantctl::cli {

namespace {

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
    void note(std::string_view line) override { m_ui.info(line); }
    void finish() override {}

private:
    Ui& m_ui;
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
        if (m_open) std::cerr << "\n";
        m_open = false;
        m_ui.info(line);
    }
    void finish() override {
        if (m_open) std::cerr << "\n" << std::flush;
        m_open = false;
    }

private:
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
    bool m_open = false;  // the bar is drawn and the cursor is after it
};

}  // namespace

std::unique_ptr<Progress> Ui::progress() {
    if (m_stderr_tty) return std::make_unique<TerminalProgress>(*this);
    return std::make_unique<PlainProgress>(*this);
}

}  // namespace tenantctl::cli
