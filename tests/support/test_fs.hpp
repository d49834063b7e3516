#pragma once
// Filesystem fixtures for unit tests: a temporary directory tree, and a git repository made with libgit2.
#include <filesystem>
#include <string>

namespace tenantctl::testing {

// A fresh directory under the system temp dir, removed with its contents at the end of the scope.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& prefix = "tenantctl-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    // Writes `text` to `rel` below the directory (parents created); returns the file's path.
    std::string write(const std::string& rel, const std::string& text) const;
    std::string str() const { return path.string(); }
};

// Makes `dir` a git repository whose one commit (`subject`) holds every file in it.
void git_commit_all(const std::string& dir, const char* subject);

}  // namespace tenantctl::testing
