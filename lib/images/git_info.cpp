#include "images/git_info.hpp"

#include <git2.h>

#include <memory>

#include "dynlibs/dynlibs.hpp"

namespace tenantctl::images {

namespace {
template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Repo = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using Commit = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using StatusList = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;
}  // namespace

std::optional<GitInfo> read_git_info(const std::string& dir) {
    dynlibs::git2_init();
    git_repository* raw_repo = nullptr;
    if (git_repository_open_ext(&raw_repo, dir.c_str(), 0, nullptr) != 0) return std::nullopt;
    Repo repo(raw_repo);
    git_oid oid;
    if (git_reference_name_to_id(&oid, repo.get(), "HEAD") != 0) return std::nullopt;  // no commits yet
    git_commit* raw_commit = nullptr;
    if (git_commit_lookup(&raw_commit, repo.get(), &oid) != 0) return std::nullopt;
    Commit commit(raw_commit);

    GitInfo info;
    char hex[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(hex, sizeof hex, &oid);
    info.commit = hex;
    info.short_commit = info.commit.substr(0, 7);
    if (const char* summary = git_commit_summary(commit.get())) info.subject = summary;

    git_status_options opts = GIT_STATUS_OPTIONS_INIT;
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list* raw_status = nullptr;
    if (git_status_list_new(&raw_status, repo.get(), &opts) == 0) {
        StatusList status(raw_status);
        info.dirty = git_status_list_entrycount(status.get()) > 0;
    }
    return info;
}

}  // namespace tenantctl::images
