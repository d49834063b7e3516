#pragma once
// A neutral description of the command tree (built by the CLI from its parser), from which shell completions
// and man pages are generated. lib/ never sees CLI11; the CLI converts its tree into this.
#include <string>
#include <vector>

namespace tenantctl::scaffold {

struct OptionSpec {
    std::vector<std::string> long_names;   // without dashes: "json"
    std::vector<std::string> short_names;  // without dash: "o"
    std::string description;
    bool takes_value = false;
    std::string value_name;            // e.g. TEXT, PATH
    std::vector<std::string> choices;  // fixed values, when known
    std::string dynamic;               // "namespace", "tenant": values read from the API at completion time
    bool path = false;                 // complete file names
};

struct PositionalSpec {
    std::string name;
    std::string description;
    std::vector<std::string> choices;
    std::string dynamic;
    bool path = false;
};

struct CommandSpec {
    std::string name;
    std::string description;
    std::vector<OptionSpec> options;  // options of this command (globals only on the root)
    std::vector<PositionalSpec> positionals;
    std::vector<CommandSpec> subcommands;
    bool hidden = false;
};

std::string render_bash_completion(const CommandSpec& root);
std::string render_zsh_completion(const CommandSpec& root);
std::string render_fish_completion(const CommandSpec& root);

struct ManText {
    std::string description;  // paragraphs separated by blank lines
    std::string examples;     // lines "$ command" followed by explanation lines
};
// tenantctl(1) for the root, or tenantctl-<group>(1) for a top-level command group. `date` is the page date.
std::string render_man_page(const CommandSpec& root, const CommandSpec* group, const ManText& text,
                            const std::string& version, const std::string& date);

}  // namespace tenantctl::scaffold
