#pragma once
// What every command gets: parsed global options, the environment, and the Ui that owns stdout/stderr.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/result.hpp"
#include "output/render.hpp"
#include "render/rendered.hpp"

namespace tenantctl::cli {

struct GlobalOptions {
    std::string config_path;         // --config/-c
    std::optional<std::string> env;  // --env/-e (empty string = top level)
    std::string cwd;                 // --cwd
    bool json = false;               // --json
    std::string output = "table";    // -o/--output table|json|yaml
    int verbose = 0;                 // -v (repeatable)
    bool quiet = false;              // -q
    std::string api_url;             // --api-url
    std::string account_id;          // --account-id
    std::string profile;             // --profile
    bool local = false;              // --local (= --profile local)
};

// Ui: the only thing that writes to stdout/stderr. With --json (or -o json) stdout holds exactly one
// JSON document; everything for humans goes to stderr.
class Ui {
public:
    void configure(const GlobalOptions& g);

    bool machine() const { return m_format != output::Format::Table; }
    output::Format format() const { return m_format; }
    int verbosity() const { return m_verbose; }
    bool stdin_tty() const { return m_stdin_tty; }
    bool stderr_tty() const { return m_stderr_tty; }
    bool interactive() const;  // stdin and stderr are terminals and not CI

    // Result data: rendered as JSON/YAML when machine output is on, else `human` (may be empty) to stdout.
    void emit(const nlohmann::json& doc, const std::string& human);
    void out(std::string_view text);               // stdout, raw
    void info(std::string_view line);              // stderr unless --quiet
    void warn(std::string_view line);              // stderr ("warning: …")
    void debug(int level, std::string_view line);  // stderr when -v count >= level (redacted)
    // Prints the error (JSON document on stdout with --json, text on stderr otherwise); returns its exit code.
    int fail(const Error& e);
    // A command's report: its document (or text), its notes, and its error's text on stderr; returns the exit code.
    int show(const Rendered& r);
    void err(std::string_view line);  // stderr, always (redacted)
    // The progress of long work on stderr: a bar on a terminal, one line per finished item otherwise.
    std::unique_ptr<Progress> progress();

    // Confirmation for destructive actions: --yes skips it; a non-interactive run without --yes refuses.
    Status confirm(const std::string& question, bool yes);
    // A secret value: masked prompt on a TTY, otherwise all of stdin with one trailing newline removed.
    Result<std::string> read_secret(const std::string& prompt);

    bool color() const { return m_color; }

private:
    void print_error(const Error& e);
    output::Format m_format = output::Format::Table;
    int m_verbose = 0;
    bool m_quiet = false;
    bool m_stdin_tty = false, m_stdout_tty = false, m_stderr_tty = false;
    bool m_ci = false;
    bool m_color = false;
};

using Action = std::function<int()>;

struct Context {
    GlobalOptions g;
    Env env = Env::system();
    Ui ui;
    Action action;  // set by the selected command's callback, run by main after parsing

    // The working directory commands should act in (--cwd applied).
    std::string cwd() const;
};

// Registers `action` to run when `cmd` is the selected command.
void on_run(CLI::App* cmd, Context& ctx, Action action);
// A command that exists in the tree but is not built yet: it says so and exits 1.
void not_implemented(CLI::App* cmd, Context& ctx, const std::string& what);

int exit_code_for(ErrorKind kind);

}  // namespace tenantctl::cli
