// The libgit2 functions tenantctl uses, forwarded to libgit2 loaded on first use (see dynlibs.hpp).
#include <git2.h>

#include <mutex>

#include "dynlibs/dynlibs.hpp"
#include "dynlibs/loader.hpp"

namespace {
using tenantctl::dynlibs::detail::fn;
using tenantctl::dynlibs::detail::Library;
Library& git2_lib() {
    static Library lib{"libgit2.so." LIBGIT2_SOVERSION, "libgit2-" LIBGIT2_SOVERSION, {}, nullptr, {}};
    return lib;
}
#define GIT_FN(name) static const auto real = fn<decltype(&::name)>(git2_lib(), #name)
}  // namespace

namespace tenantctl::dynlibs {
const char* git2_soname() {
    return git2_lib().soname;
}
bool git2_loaded() {
    return git2_lib().loaded;
}
void git2_init() {
    static std::once_flag once;
    std::call_once(once, [] { git_libgit2_init(); });
}
}  // namespace tenantctl::dynlibs

extern "C" {

int git_libgit2_init(void) {
    GIT_FN(git_libgit2_init);
    return real();
}

int git_libgit2_shutdown(void) {
    GIT_FN(git_libgit2_shutdown);
    return real();
}

const git_error* git_error_last(void) {
    GIT_FN(git_error_last);
    return real();
}

int git_repository_open_ext(git_repository** out, const char* path, unsigned int flags, const char* ceiling_dirs) {
    GIT_FN(git_repository_open_ext);
    return real(out, path, flags, ceiling_dirs);
}

void git_repository_free(git_repository* repo) {
    GIT_FN(git_repository_free);
    real(repo);
}

int git_reference_name_to_id(git_oid* out, git_repository* repo, const char* name) {
    GIT_FN(git_reference_name_to_id);
    return real(out, repo, name);
}

int git_commit_lookup(git_commit** commit, git_repository* repo, const git_oid* id) {
    GIT_FN(git_commit_lookup);
    return real(commit, repo, id);
}

void git_commit_free(git_commit* commit) {
    GIT_FN(git_commit_free);
    real(commit);
}

const char* git_commit_summary(git_commit* commit) {
    GIT_FN(git_commit_summary);
    return real(commit);
}

char* git_oid_tostr(char* out, size_t n, const git_oid* id) {
    GIT_FN(git_oid_tostr);
    return real(out, n, id);
}

int git_status_list_new(git_status_list** out, git_repository* repo, const git_status_options* opts) {
    GIT_FN(git_status_list_new);
    return real(out, repo, opts);
}

size_t git_status_list_entrycount(git_status_list* statuslist) {
    GIT_FN(git_status_list_entrycount);
    return real(statuslist);
}

void git_status_list_free(git_status_list* statuslist) {
    GIT_FN(git_status_list_free);
    real(statuslist);
}

int git_clone(git_repository** out, const char* url, const char* local_path, const git_clone_options* options) {
    GIT_FN(git_clone);
    return real(out, url, local_path, options);
}

}  // extern "C"
