#pragma once
// `tenantctl init`: a new project from a bundled template or a git repository (libgit2; no git CLI).
// Everything is staged in a temporary directory next to the target and renamed into place at the end, so a
// failure leaves nothing half-written; file modes are kept (an executable stays executable).
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::scaffold {

inline constexpr std::string_view k_default_template = "container-platform";

struct InitOptions {
    std::string target_dir;     // where the project goes (relative paths are resolved against base_dir)
    std::string base_dir;       // the working directory
    std::string template_spec;  // bundled name, git URL or local path, optional "#subdir"; empty = the default
    std::string name;           // project name; empty = derived from the target directory's name
    bool force = false;         // write over a non-empty directory (other files in it are kept)
    std::string exe_path;       // the running binary, for finding the bundled templates
};

struct InitResult {
    std::string dir;                 // absolute target directory
    std::string name;                // the project name substituted into the files
    std::string template_name;       // bundled name, or the repository as given (credentials removed)
    std::string source;              // "bundled", "git" or "directory"
    std::string origin;              // the template directory or the repository URL (credentials removed)
    std::vector<std::string> files;  // written files, relative to dir, sorted
};

Result<InitResult> init_project(const InitOptions& options, const Env& env);

// Clones `url` (any URL libgit2 supports, a file:// URL or a local path) into `dest`, which must not exist.
Status git_clone(const std::string& url, const std::string& dest);

}  // namespace tenantctl::scaffold
