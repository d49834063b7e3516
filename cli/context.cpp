#include "context.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

// The one table from error kind to exit code.
int exit_code_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return 2;
        case ErrorKind::Partial:
            return 3;
        case ErrorKind::Interrupted:
            return 130;
        default:
            return 1;
    }
}

void Ui::configure(const GlobalOptions& g) {
    if (g.json || g.output == "json")
        m_format = output::Format::Json;
    else if (g.output == "yaml")
        m_format = output::Format::Yaml;
    else
        m_format = output::Format::Table;
    m_verbose = g.verbose;
    m_quiet = g.quiet;
    m_stdin_tty = ::isatty(0);
    m_stdout_tty = ::isatty(1);
    m_stderr_tty = ::isatty(2);
    Env env = Env::system();
    m_ci = env.has("CI");
    m_color = m_stderr_tty && !env.has("NO_COLOR");
}

bool Ui::interactive() const {
    return m_stdin_tty && m_stderr_tty && !m_ci;
}

void Ui::emit(const nlohmann::json& doc, const std::string& human) {
    switch (m_format) {
        case output::Format::Json:
            std::cout << output::render_json(doc);
            break;
        case output::Format::Yaml:
            std::cout << output::render_yaml(doc);
            break;
        case output::Format::Table:
            std::cout << human;
            break;
    }
    std::cout.flush();
}

void Ui::out(std::string_view text) {
    std::cout << text;
    std::cout.flush();
}

void Ui::info(std::string_view line) {
    if (m_quiet) return;
    std::cerr << Redactor::global().redact(line) << '\n';
}

void Ui::warn(std::string_view line) {
    std::cerr << (m_color ? "\x1b[33mwarning\x1b[0m: " : "warning: ") << Redactor::global().redact(line) << '\n';
}

void Ui::debug(int level, std::string_view line) {
    if (m_verbose >= level) std::cerr << "debug: " << Redactor::global().redact(line) << '\n';
}

int Ui::fail(const Error& e) {
    if (m_format != output::Format::Table) {
        nlohmann::json doc = {{"ok", false}, {"error", error_json(e)}};
        emit(doc, "");
    }
    print_error(e);
    return exit_code_for(e.kind);
}

// Human text always goes to stderr (with --json too, so a person watching CI logs sees it).
void Ui::print_error(const Error& e) {
    const auto& r = Redactor::global();
    if (!e.diagnostics.empty()) {
        for (const auto& d : capped_diagnostics(e.diagnostics)) std::cerr << r.redact(render_diagnostic(d, nullptr));
    }
    std::cerr << (m_color ? "\x1b[31merror\x1b[0m: " : "error: ") << r.redact(e.message) << '\n';
    if (!e.hint.empty()) std::cerr << "  hint: " << r.redact(e.hint) << '\n';
}

int Ui::show(const Rendered& r) {
    for (const auto& w : r.warnings) warn(w);
    emit(r.doc, r.human);
    for (const auto& n : r.notes) info(n);
    if (!r.error) return 0;
    for (const auto& d : r.details) err(d);
    print_error(*r.error);
    return exit_code_for(r.error->kind);
}

void Ui::err(std::string_view line) {
    std::cerr << Redactor::global().redact(line) << '\n';
}

Status Ui::confirm(const std::string& question, bool yes) {
    if (yes) return {};
    if (!interactive()) {
        return Error(ErrorKind::Refused, "refusing to " + question + " without confirmation in a non-interactive run",
                     "pass --yes to confirm");
    }
    std::cerr << "Are you sure you want to " << question << "? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    answer = to_lower(trim(answer));
    if (answer == "y" || answer == "yes") return {};
    return Error(ErrorKind::Refused, "cancelled: did not " + question);
}

Result<std::string> Ui::read_secret(const std::string& prompt) {
    std::string value;
    if (m_stdin_tty) {
        std::cerr << prompt << std::flush;
        termios old{};
        bool have = ::tcgetattr(0, &old) == 0;
        if (have) {
            termios masked = old;
            masked.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(0, TCSANOW, &masked);
        }
        std::getline(std::cin, value);
        if (have) ::tcsetattr(0, TCSANOW, &old);
        std::cerr << '\n';
    } else {
        auto in = read_fd_limited(0, limits::k_max_input_file_bytes, "the value on stdin");
        if (!in.ok()) return in.error();
        value = std::move(in).value();
        if (!value.empty() && value.back() == '\n') {
            value.pop_back();
            if (!value.empty() && value.back() == '\r') value.pop_back();
        }
    }
    if (value.empty())
        return Error(ErrorKind::Input, "no secret value was given", "pipe the value on stdin or type it at the prompt");
    Redactor::global().add(value);
    return value;
}

std::string Context::cwd() const {
    std::string here = current_dir();
    return g.cwd.empty() ? here : absolute_path(g.cwd, here);
}

void on_run(CLI::App* cmd, Context& ctx, Action action) {
    cmd->callback([&ctx, action = std::move(action)] { ctx.action = action; });
}

void not_implemented(CLI::App* cmd, Context& ctx, const std::string& what) {
    cmd->description(cmd->get_description() + " (not implemented yet)");
    on_run(cmd, ctx, [&ctx, what] {
        return ctx.ui.fail(Error(ErrorKind::NotImplemented,
                                 "'" + what + "' is not implemented in this version of tenantctl",
                                 "see the README's status section for what works today"));
    });
}

}  // namespace tenantctl::cli
