#include "test_fs.hpp"

#include <doctest/doctest.h>
#include <git2.h>

#include <fstream>

#include "core/strings.hpp"

namespace tenantctl::testing {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) : path(fs::temp_directory_path() / (prefix + "-" + random_hex(6))) {
    fs::create_directories(path);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
}

std::string TempDir::write(const std::string& rel, const std::string& text) const {
    fs::path p = path / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
}

void git_commit_all(const std::string& dir, const char* subject) {
    git_libgit2_init();  // never shut down: init/shutdown cycles leak libgit2 thread-local buffers
    git_repository* repo = nullptr;
    REQUIRE(git_repository_init(&repo, dir.c_str(), 0) == 0);
    git_index* index = nullptr;
    REQUIRE(git_repository_index(&index, repo) == 0);
    REQUIRE(git_index_add_all(index, nullptr, 0, nullptr, nullptr) == 0);
    REQUIRE(git_index_write(index) == 0);
    git_oid tree_id, commit_id;
    REQUIRE(git_index_write_tree(&tree_id, index) == 0);
    git_tree* tree = nullptr;
    REQUIRE(git_tree_lookup(&tree, repo, &tree_id) == 0);
    git_signature* sig = nullptr;
    REQUIRE(git_signature_now(&sig, "test", "test@example.com") == 0);
    REQUIRE(git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, nullptr, subject, tree, 0) == 0);
    git_signature_free(sig);
    git_tree_free(tree);
    git_index_free(index);
    git_repository_free(repo);
}

}  // namespace tenantctl::testing
