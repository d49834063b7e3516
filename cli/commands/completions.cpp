// tenantctl completions bash|zsh|fish, completions --write-dir/--man-dir (regenerates the checked-in files),
// and the hidden __complete used by the scripts for names read from the API.
#include <filesystem>
#include <fstream>

#include "commands/commands.hpp"
#include "core/fs.hpp"
#include "core/version.hpp"
#include "tree.hpp"

namespace tenantctl::cli {

namespace {

std::string render_for(const std::string& shell, const scaffold::CommandSpec& tree) {
    if (shell == "bash") return scaffold::render_bash_completion(tree);
    if (shell == "zsh") return scaffold::render_zsh_completion(tree);
    return scaffold::render_fish_completion(tree);
}

scaffold::ManText man_text(const std::string& text_dir, const std::string& page) {
    scaffold::ManText t;
    if (text_dir.empty()) return t;
    if (auto d = read_file(text_dir + "/" + page + ".description"); d.ok()) t.description = *d;
    if (auto e = read_file(text_dir + "/" + page + ".examples"); e.ok()) t.examples = *e;
    return t;
}

Status write_docs(const CLI::App& app, const std::string& completion_dir, const std::string& man_dir,
                  const std::string& text_dir) {
    auto tree = command_tree(app);
    if (!completion_dir.empty()) {
        TRY_STATUS(write_file_atomic(completion_dir + "/tenantctl.bash", scaffold::render_bash_completion(tree)));
        TRY_STATUS(write_file_atomic(completion_dir + "/_tenantctl", scaffold::render_zsh_completion(tree)));
        TRY_STATUS(write_file_atomic(completion_dir + "/tenantctl.fish", scaffold::render_fish_completion(tree)));
    }
    if (!man_dir.empty()) {
        TRY_STATUS(write_file_atomic(
            man_dir + "/tenantctl.1",
            scaffold::render_man_page(tree, nullptr, man_text(text_dir, "tenantctl"), k_version, k_release_date)));
        for (const auto& group : tree.subcommands) {
            if (group.hidden) continue;
            std::string page = "tenantctl-" + group.name;
            TRY_STATUS(write_file_atomic(
                man_dir + "/" + page + ".1",
                scaffold::render_man_page(tree, &group, man_text(text_dir, page), k_version, k_release_date)));
        }
    }
    return {};
}

}  // namespace

Result<std::vector<std::string>> complete_names(Context& ctx, const std::string& kind,
                                                const std::vector<std::string>& words);

void register_completions(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("completions", "Print a shell completion script (bash, zsh, fish)");
    cmd->footer(
        "Install: tenantctl completions bash > ~/.local/share/bash-completion/completions/tenantctl\n"
        "         tenantctl completions zsh > \"${fpath[1]}/_tenantctl\"\n"
        "         tenantctl completions fish > ~/.config/fish/completions/tenantctl.fish");
    struct Opts {
        std::string shell, write_dir, man_dir, text_dir;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("shell", o->shell, "Shell to generate for")->check(CLI::IsMember({"bash", "zsh", "fish"}));
    cmd->add_option("--write-dir", o->write_dir,
                    "Write all three scripts into DIR (tenantctl.bash, _tenantctl, tenantctl.fish)");
    cmd->add_option("--man-dir", o->man_dir,
                    "Write the man pages (tenantctl.1 and one page per command group) into DIR");
    cmd->add_option("--text-dir", o->text_dir, "Hand-written man page text (NAME.description, NAME.examples) from DIR");
    const CLI::App* root = &app;
    on_run(cmd, ctx, [&ctx, o, root] {
        if (o->shell.empty() && o->write_dir.empty() && o->man_dir.empty()) {
            return ctx.ui.fail(
                Error(ErrorKind::Usage, "name a shell: bash, zsh or fish", "tenantctl completions bash"));
        }
        if (!o->shell.empty()) ctx.ui.out(render_for(o->shell, command_tree(*root)));
        if (auto s = write_docs(*root, o->write_dir, o->man_dir, o->text_dir); !s.ok()) return ctx.ui.fail(s.error());
        return 0;
    });

    // Hidden: `tenantctl __complete namespace|tenant -- WORDS…` prints one name per line, never prompts,
    // and gives up quickly. Errors print nothing (a completion must not spam the terminal).
    auto* complete = app.add_subcommand("__complete", "List names for shell completion")->group("");
    auto kind = std::make_shared<std::string>();
    auto line = std::make_shared<std::vector<std::string>>();
    complete->add_option("kind", *kind)->required();
    // Everything after `--` is the command line being completed. A positional list (not prefix_command): with
    // prefix_command CLI11 hands words that name sibling commands ("dispatch-namespace") back to the parent.
    complete->add_option("words", *line);
    on_run(complete, ctx, [&ctx, kind, line] {
        std::vector<std::string> words = *line;
        if (!words.empty() && words.front() == "--") words.erase(words.begin());
        auto names = complete_names(ctx, *kind, words);
        if (!names.ok()) return 1;
        std::string out;
        for (const auto& n : *names) out += n + "\n";
        ctx.ui.out(out);
        return 0;
    });
}

}  // namespace tenantctl::cli
