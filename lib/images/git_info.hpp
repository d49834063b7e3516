#pragma once
// Git metadata of the project (via libgit2, no git CLI): recorded as image labels and deploy annotations.
#include <optional>
#include <string>

namespace tenantctl::images {

struct GitInfo {
    std::string commit;        // full sha
    std::string short_commit;  // 7 characters
    std::string subject;       // first line of the commit message
    bool dirty = false;        // tracked files modified (untracked files do not count)
};

// The repository that contains `dir`, if any. Never fails: no repository (or an unreadable one) is nullopt.
std::optional<GitInfo> read_git_info(const std::string& dir);

}  // namespace tenantctl::images
