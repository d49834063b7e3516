// tenantctl entry point: parse, run the selected command, map errors to exit codes.
#include <csignal>
#include <cstring>
#include <iostream>

#include "app.hpp"
#include "core/cancel.hpp"
#include "core/version.hpp"

namespace {

extern "C" void on_sigint(int) {
    auto& token = tenantctl::CancelToken::global();
    if (token.cancelled()) _exit(130);  // second Ctrl-C: stop now
    token.cancel();
}

bool wants_json(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0) return true;
        if ((std::strcmp(argv[i], "-o") == 0 || std::strcmp(argv[i], "--output") == 0) && i + 1 < argc &&
            std::strcmp(argv[i + 1], "json") == 0)
            return true;
        if (std::strcmp(argv[i], "--output=json") == 0) return true;
    }
    return false;
}

// Parses and runs with the tree built for `only` (see build_app). Returns k_rebuild when a partial tree could
// not parse argv: the whole tree then parses it again, so help, suggestions and errors are those of the full tree.
constexpr int k_rebuild = -1;

int parse_and_run(int argc, char** argv, const std::string& only) {
    using namespace tenantctl;
    cli::Context ctx;
    CLI::App app{"tenantctl", "tenantctl"};
    cli::build_app(app, ctx, only);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (!only.empty()) return k_rebuild;
        if (dynamic_cast<const CLI::CallForHelp*>(&e) || dynamic_cast<const CLI::CallForAllHelp*>(&e) ||
            dynamic_cast<const CLI::CallForVersion*>(&e))
            return app.exit(e);
        cli::GlobalOptions g;
        g.json = wants_json(argc, argv);
        ctx.ui.configure(g);
        return ctx.ui.fail(cli::usage_error(app, e));
    }
    ctx.ui.configure(ctx.g);
    if (!ctx.action) {
        return ctx.ui.fail(Error(ErrorKind::Usage, "no command given", "run `tenantctl --help`"));
    }
    try {
        int rc = ctx.action();
        if (rc == 0 && CancelToken::global().cancelled()) return 130;
        return rc;
    } catch (const std::exception& e) {
        return ctx.ui.fail(Error(ErrorKind::Internal, std::string("internal error: ") + e.what(),
                                 "this is a bug in tenantctl; please report it with the command you ran"));
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);

    // `tenantctl --version` alone: answered before the command tree is built (scripts call it a lot).
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        std::cout << "tenantctl " << tenantctl::k_version << '\n';
        return 0;
    }
    // Most runs build only the group of the command they name (start-up cost), the rest the whole tree.
    std::string only = tenantctl::cli::selected_command(argc, argv);
    int rc = parse_and_run(argc, argv, only);
    if (rc == k_rebuild) rc = parse_and_run(argc, argv, {});
    return rc;
}
