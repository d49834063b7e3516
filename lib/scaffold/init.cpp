#include "scaffold/init.hpp"

#include <git2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

#include "core/cancel.hpp"
#include "core/fs.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "dynlibs/dynlibs.hpp"
#include "scaffold/templates.hpp"

namespace tenantctl::scaffold {

namespace fs = std::filesystem;

namespace {

// Removes a directory tree when it goes out of scope, unless released.
class TreeGuard {
public:
    explicit TreeGuard(std::string path = {}) : m_path(std::move(path)) {}
    TreeGuard(const TreeGuard&) = delete;
    TreeGuard& operator=(const TreeGuard&) = delete;
    ~TreeGuard() {
        if (m_path.empty()) return;
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    void reset(std::string path) { m_path = std::move(path); }
    void release() { m_path.clear(); }

private:
    std::string m_path;
};

bool is_remote_url(std::string_view s) {
    if (starts_with(s, "file://")) return false;
    if (s.find("://") != std::string_view::npos) return true;
    // scp-like "git@host:owner/repo"
    auto colon = s.find(':');
    auto slash = s.find('/');
    return colon != std::string_view::npos && colon > 0 && (slash == std::string_view::npos || colon < slash);
}

// A fresh directory next to `target` (same filesystem, so rename works), with the usual permissions.
Result<std::string> make_temp_dir_next_to(const fs::path& target, const char* what) {
    std::string pattern =
        (target.parent_path() / ("." + target.filename().string() + ".tenantctl-" + what + "-XXXXXX")).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data()))
        return Error(ErrorKind::Io, "could not create a temporary directory next to " + quoted(target.string()) + ": " +
                                        std::strerror(errno));
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(buf.data(), 0777 & ~mask);
    return std::string(buf.data());
}

Error interrupted() {
    return Error(ErrorKind::Interrupted, "interrupted: the project was not created",
                 "nothing was written; run it again");
}

Error io_error(const std::string& what, const fs::path& p, const std::error_code& ec) {
    return Error(ErrorKind::Io, what + " " + quoted(p.string()) + ": " + ec.message());
}

// Copies `from` into `to` (an existing directory): regular files with their modes (the project name substituted
// in text files), directories and symbolic links; ".git" is skipped.
Status copy_tree(const fs::path& from, const fs::path& to, const fs::path& rel, std::string_view name,
                 std::vector<std::string>& files) {
    std::error_code ec;
    fs::directory_iterator it(from, ec);
    if (ec) return io_error("could not read", from, ec);
    for (const auto& entry : it) {
        if (CancelToken::global().cancelled()) return interrupted();
        std::string fname = entry.path().filename().string();
        if (fname == ".git") continue;
        fs::path src = entry.path();
        fs::path dst = to / fname;
        fs::path r = rel / fname;
        auto st = entry.symlink_status(ec);
        if (ec) return io_error("could not read", src, ec);
        if (fs::is_symlink(st)) {
            fs::copy_symlink(src, dst, ec);
            if (ec) return io_error("could not copy the link", src, ec);
            files.push_back(r.string());
        } else if (fs::is_directory(st)) {
            fs::create_directory(dst, ec);
            if (ec) return io_error("could not create", dst, ec);
            TRY_STATUS(copy_tree(src, dst, r, name, files));
        } else if (fs::is_regular_file(st)) {
            TRY_ASSIGN(auto content, read_file(src.string()));
            if (!looks_binary(content) && content.find(k_name_placeholder) != std::string::npos) {
                std::ofstream out(dst, std::ios::binary | std::ios::trunc);
                out << substitute_name(content, name);
                out.close();
                if (!out) return Error(ErrorKind::Io, "could not write " + quoted(dst.string()));
                fs::permissions(dst, st.permissions(), fs::perm_options::replace, ec);
            } else {
                fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);  // keeps the mode
                if (!ec) fs::permissions(dst, st.permissions(), fs::perm_options::replace, ec);
            }
            if (ec) return io_error("could not write", dst, ec);
            files.push_back(r.string());
        }
        // sockets, fifos and devices are not part of a template
    }
    return {};
}

// Moves every entry of `stage` into the existing directory `target`, replacing what is there.
Status merge_into(const fs::path& stage, const fs::path& target) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(stage, ec)) entries.push_back(e.path());
    if (ec) return io_error("could not read", stage, ec);
    for (const auto& src : entries) {
        fs::path dst = target / src.filename();
        auto sst = fs::symlink_status(src, ec);
        auto dst_st = fs::symlink_status(dst, ec);
        ec.clear();
        if (fs::is_directory(sst) && fs::is_directory(dst_st)) {
            TRY_STATUS(merge_into(src, dst));
            continue;
        }
        if (fs::exists(dst_st) && (fs::is_directory(dst_st) != fs::is_directory(sst))) {
            fs::remove_all(dst, ec);
            if (ec) return io_error("could not replace", dst, ec);
        }
        fs::rename(src, dst, ec);  // atomic per entry; replaces a file of the same name
        if (ec) return io_error("could not move the new file into place at", dst, ec);
    }
    return {};
}

bool dir_is_empty(const fs::path& p) {
    std::error_code ec;
    return fs::directory_iterator(p, ec) == fs::directory_iterator();
}

}  // namespace

Status git_clone(const std::string& url, const std::string& dest) {
    dynlibs::git2_init();
    git_clone_options opts = GIT_CLONE_OPTIONS_INIT;
    opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE;
    // Ctrl-C (the CLI sets the cancel token) stops the transfer.
    opts.fetch_opts.callbacks.transfer_progress = [](const git_indexer_progress*, void*) -> int {
        return CancelToken::global().cancelled() ? -1 : 0;
    };
    git_repository* repo = nullptr;
    int rc = ::git_clone(&repo, url.c_str(), dest.c_str(), &opts);
    if (rc != 0 && CancelToken::global().cancelled()) return interrupted();
    if (rc != 0) {
        const git_error* e = git_error_last();
        std::string why = e && e->message ? e->message : "unknown error";
        std::string shown = redact_url(url);
        for (size_t pos; !url.empty() && (pos = why.find(url)) != std::string::npos;)
            why.replace(pos, url.size(), shown);
        std::string hint = is_remote_url(url)
                               ? "check the URL and your network; local paths and file:// URLs work offline"
                               : "a local template repository must be a git repository with at least one commit";
        return Error(is_remote_url(url) ? ErrorKind::Network : ErrorKind::NotFound,
                     Redactor::global().redact("cloning the template repository " + quoted(shown) + " failed: " + why),
                     hint);
    }
    git_repository_free(repo);
    return {};
}

Result<InitResult> init_project(const InitOptions& o, const Env& env) {
    std::string base = o.base_dir.empty() ? current_dir() : o.base_dir;
    fs::path target = fs::path(absolute_path(o.target_dir.empty() ? "." : o.target_dir, base)).lexically_normal();
    if (target.has_filename() == false) target = target.parent_path();  // "dir/" -> "dir"
    std::error_code ec;

    // The target: a new directory, an empty one, or (with --force) one with files in it.
    auto tst = fs::status(target, ec);
    bool exists = fs::exists(tst);
    if (exists && !fs::is_directory(tst))
        return Error(ErrorKind::Conflict, quoted(target.string()) + " exists and is not a directory",
                     "name a new or empty directory: tenantctl init DIR");
    bool non_empty = exists && !dir_is_empty(target);
    if (non_empty && !o.force)
        return Error(
            ErrorKind::Conflict, "directory " + quoted(target.string()) + " is not empty",
            "choose a new directory (tenantctl init DIR), or pass --force to write the template's files into it");

    // The project name.
    std::string name = o.name;
    if (name.empty()) {
        name = project_name_from(target.filename().string());
        if (name.empty())
            return Error(ErrorKind::Usage, "cannot derive a project name from the directory " + quoted(target.string()),
                         "pass --name NAME (lowercase letters, digits, - and _)");
    } else if (!valid_project_name(name)) {
        std::string fixed = project_name_from(name);
        return Error(ErrorKind::Usage,
                     "invalid project name " + quoted(name) + ": use lowercase letters, digits, - and _ (at most 63)",
                     fixed.empty() ? std::string("e.g. --name my-platform") : "try --name " + fixed);
    }

    InitResult result;
    result.dir = target.string();
    result.name = name;

    // Where the template's files come from.
    std::string spec = o.template_spec.empty() ? std::string(k_default_template) : o.template_spec;
    TemplateSource src = parse_template_source(spec);
    // The target's missing parent directories are created now (the staging directory goes next to the target)
    // and removed again if anything fails.
    TreeGuard parents_guard;
    {
        fs::path first_missing;
        for (fs::path p = target.parent_path(); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
            first_missing = p;
            if (p == p.parent_path()) break;
        }
        TRY_STATUS(make_dirs(target.parent_path().string()));
        if (!first_missing.empty()) parents_guard.reset(first_missing.string());
    }
    TreeGuard clone_guard;
    fs::path from;
    if (src.bundled) {
        TRY_ASSIGN(auto dir, find_templates_dir(env, o.exe_path));
        from = fs::path(dir) / src.name;
        if (src.name.empty() || src.name == "." || src.name == ".." || !fs::is_directory(from, ec)) {
            std::string names;
            if (auto list = list_templates(dir); list.ok())
                for (const auto& t : *list) names += (names.empty() ? "" : ", ") + t.name;
            return Error(ErrorKind::NotFound,
                         "no template named " + quoted(src.name) + (names.empty() ? "" : " (templates: " + names + ")"),
                         "tenantctl init --list shows the templates; --template also takes a git URL or path");
        }
        result.template_name = src.name;
        result.source = "bundled";
        result.origin = from.string();
    } else {
        std::string url = src.url;
        result.template_name = redact_url(spec);
        bool local = !is_remote_url(url);
        fs::path local_path;
        if (local) {
            std::string p = starts_with(url, "file://") ? url.substr(7) : url;
            local_path = fs::path(absolute_path(p, base)).lexically_normal();
            if (!fs::exists(local_path, ec))
                return Error(ErrorKind::NotFound, "template repository " + quoted(url) + " does not exist",
                             "give a git URL, a file:// URL or the path of a local git repository or directory");
            if (!starts_with(url, "file://")) url = local_path.string();
        }
        // A local directory that is not a git repository is copied as it is.
        bool plain_dir = false;
        if (local && fs::is_directory(local_path, ec)) {
            dynlibs::git2_init();
            git_repository* repo = nullptr;
            if (git_repository_open_ext(&repo, local_path.string().c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) ==
                0)
                git_repository_free(repo);
            else
                plain_dir = true;
        }
        fs::path root;
        if (plain_dir) {
            root = local_path;
            result.source = "directory";
            result.origin = local_path.string();
        } else {
            TRY_ASSIGN(auto clone_dir, make_temp_dir_next_to(target, "clone"));
            clone_guard.reset(clone_dir);
            fs::path checkout = fs::path(clone_dir) / "repo";
            TRY_STATUS(git_clone(url, checkout.string()));
            root = checkout;
            result.source = "git";
            result.origin = redact_url(url);
        }
        from = src.subdir.empty() ? root : (root / src.subdir).lexically_normal();
        auto rel = from.lexically_relative(root).string();
        if (starts_with(rel, "..") || !fs::is_directory(from, ec))
            return Error(
                ErrorKind::NotFound,
                "the template repository " + quoted(redact_url(src.url)) + " has no directory " + quoted(src.subdir),
                "the part after '#' names a directory inside the repository");
        if (plain_dir) {
            // Copying a directory into itself would never end (the staging directory is next to the target).
            auto rel_target =
                fs::weakly_canonical(target, ec).lexically_relative(fs::weakly_canonical(from, ec)).string();
            if (!rel_target.empty() && !starts_with(rel_target, ".."))
                return Error(ErrorKind::Usage,
                             "the target " + quoted(target.string()) + " is inside the template directory " +
                                 quoted(from.string()),
                             "create the project outside the template's directory");
        }
    }

    // Stage everything, then move it into place.
    TRY_ASSIGN(auto stage_dir, make_temp_dir_next_to(target, "init"));
    TreeGuard stage_guard(stage_dir);
    TRY_STATUS(copy_tree(from, stage_dir, fs::path(), name, result.files));
    if (result.files.empty())
        return Error(ErrorKind::Input, "the template " + quoted(result.template_name) + " has no files",
                     result.source == "git" ? "a repository needs at least one commit with files in it" : "");
    std::sort(result.files.begin(), result.files.end());
    if (CancelToken::global().cancelled()) return interrupted();

    if (!exists) {
        fs::rename(stage_dir, target, ec);
        if (ec) return io_error("could not move the new project into place at", target, ec);
        stage_guard.release();
    } else if (!non_empty) {
        // An empty directory: replace it (keeps the rename atomic); its mode is carried over.
        auto perms = fs::status(target, ec).permissions();
        fs::remove(target, ec);
        if (ec) return io_error("could not replace the empty directory", target, ec);
        fs::rename(stage_dir, target, ec);
        if (ec) {
            std::error_code ignored;
            fs::create_directory(target, ignored);  // give the empty directory back
            fs::permissions(target, perms, fs::perm_options::replace, ignored);
            return io_error("could not move the new project into place at", target, ec);
        }
        stage_guard.release();
        fs::permissions(target, perms, fs::perm_options::replace, ec);
    } else {
        TRY_STATUS(merge_into(stage_dir, target));
    }
    parents_guard.release();
    return result;
}

}  // namespace tenantctl::scaffold
