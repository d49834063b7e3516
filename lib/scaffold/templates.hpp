#pragma once
// Project templates: where the bundled ones live, what they are called, and the project-name placeholder.
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::scaffold {

// The placeholder templates use for the project name (a valid worker name itself, so a template's own
// wrangler config validates before it is instantiated).
inline constexpr std::string_view k_name_placeholder = "__project_name__";
// The environment variable that points at a templates directory (overrides the lookup next to the binary).
inline constexpr std::string_view k_templates_env = "TENANTCTL_TEMPLATES_DIR";

struct TemplateInfo {
    std::string name;         // directory name: "container-platform"
    std::string description;  // the first line of the README's first paragraph
    std::string path;         // absolute directory
};

// The running program's own path (/proc/self/exe); empty when it cannot be read.
std::string self_exe_path();

// Directories searched for bundled templates, in order: $TENANTCTL_TEMPLATES_DIR alone when set; otherwise
// <exe dir>/../share/tenantctl/templates (the install layout, also used by the build tree) and
// <exe dir>/templates.
std::vector<std::string> template_dir_candidates(const Env& env, const std::string& exe_path);
// The first candidate that is a directory; an error naming every place looked at otherwise.
Result<std::string> find_templates_dir(const Env& env, const std::string& exe_path);

// Every subdirectory of `dir` holding a template (it has a README.md or a wrangler config), sorted by name.
Result<std::vector<TemplateInfo>> list_templates(const std::string& dir);
// The one-line description: the first line of the README's first paragraph after the title, without a trailing
// period; empty when there is none.
std::string description_from_readme(std::string_view readme);

// Replaces every placeholder with `name`.
std::string substitute_name(std::string_view text, std::string_view name);
// Text files get the name substituted; anything with a NUL byte in its first 8000 bytes is binary.
bool looks_binary(std::string_view content);

// A valid project (worker) name from a directory name: lowercase, other characters turned into "-", trimmed.
std::string project_name_from(std::string_view dir_name);
// Worker names: lowercase letters, digits, "-" and "_", not starting with "-", at most 63 characters.
bool valid_project_name(std::string_view name);

// A --template value: a bundled template's name, or a git repository (URL or local path) with "#subdir".
struct TemplateSource {
    bool bundled = false;
    std::string name;    // bundled
    std::string url;     // git URL or local path
    std::string subdir;  // after '#', may be empty
};
// "container-platform" is bundled; anything with "/", ":" or starting with "." or "~" is a repository.
TemplateSource parse_template_source(std::string_view spec);

}  // namespace tenantctl::scaffold
