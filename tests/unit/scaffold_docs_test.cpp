#include <doctest/doctest.h>

#include "scaffold/cmdtree.hpp"

using namespace tenantctl::scaffold;

namespace {
CommandSpec sample() {
    CommandSpec root{"tenantctl", "manage tenants", {}, {}, {}, false};
    root.options.push_back({{"output"}, {"o"}, "Output format", true, "TEXT", {"table", "json"}, "", false});
    root.options.push_back({{"json"}, {}, "JSON", false, "", {}, "", false});
    CommandSpec tenants{"tenants", "Tenants", {}, {}, {}, false};
    CommandSpec get{"get", "Show one tenant", {}, {}, {}, false};
    get.options.push_back({{"namespace"}, {}, "Dispatch namespace", true, "TEXT", {}, "namespace", false});
    get.positionals.push_back({"ID", "Tenant id", {}, "tenant", false});
    tenants.subcommands.push_back(get);
    root.subcommands.push_back(tenants);
    root.subcommands.push_back({"__complete", "hidden", {}, {}, {}, true});
    return root;
}
}  // namespace

TEST_CASE("bash completion tables: subcommands, options with kinds, positionals, hidden commands left out") {
    std::string s = render_bash_completion(sample());
    CHECK(s.find("    '') echo 'tenants' ;;") != std::string::npos);
    CHECK(s.find("    'tenants') echo 'get' ;;") != std::string::npos);
    CHECK(s.find("    'tenants get|--namespace') echo 'dynamic:namespace' ;;") != std::string::npos);
    CHECK(s.find("    'tenants get|0') echo 'dynamic:tenant' ;;") != std::string::npos);
    CHECK(s.find("        --output|-o) echo 'choice:table json' ;;") != std::string::npos);
    CHECK(s.find("        --json) echo 'flag' ;;") != std::string::npos);
    CHECK(s.find("__complete") == s.find("__complete \"${kind#dynamic:}\""));  // only the dynamic call mentions it
    CHECK(s.find("complete -F _tenantctl tenantctl") != std::string::npos);
}

TEST_CASE("zsh and fish scripts carry the same tree") {
    std::string z = render_zsh_completion(sample());
    CHECK(z.rfind("#compdef tenantctl", 0) == 0);
    CHECK(z.find("'tenants') echo 'get'") != std::string::npos);
    std::string f = render_fish_completion(sample());
    CHECK(f.find("complete -c tenantctl -n '__tenantctl_is '\\'''\\''' -a 'tenants' -d 'Tenants'") !=
          std::string::npos);
    CHECK(f.find("-l namespace -x -a '(__tenantctl_dynamic namespace)'") != std::string::npos);
    CHECK(f.find("complete -c tenantctl -l output -s o -x -a 'table json' -d 'Output format'") != std::string::npos);
}

TEST_CASE("man pages: header, escaped dashes, commands with options, exit status on the main page") {
    ManText text{"First paragraph.\n\nSecond.", "$ tenantctl tenants get acme\nShow acme."};
    auto root = sample();
    std::string main = render_man_page(root, nullptr, text, "1.2.3", "2026-01-02");
    CHECK(main.find(".TH TENANTCTL 1 \"2026-01-02\" \"tenantctl 1.2.3\" \"User Commands\"") != std::string::npos);
    CHECK(main.find(".SH EXIT STATUS") != std::string::npos);
    CHECK(main.find("\\fB\\-o\\fR, \\fB\\-\\-output\\fR \\fItable|json\\fR") != std::string::npos);
    CHECK(main.find(".nf\n$ tenantctl tenants get acme\n.fi") != std::string::npos);
    CHECK(main.find("__complete") == std::string::npos);
    std::string group = render_man_page(root, &root.subcommands[0], {}, "1.2.3", "2026-01-02");
    CHECK(group.find(".TH TENANTCTL\\-TENANTS 1") != std::string::npos);
    CHECK(group.find("\\fBtenantctl tenants get\\fR \\fIID\\fR [\\fIOPTIONS\\fR]") != std::string::npos);
}
