#pragma once
// Filesystem helpers. Writes are atomic (temp file + fsync + rename) so nothing is ever half-written.
#include <string>

#include "core/result.hpp"

namespace tenantctl {

Result<std::string> read_file(const std::string& path);
// Reads at most `max_bytes`; a longer file (or /dev/zero) is an Input error that names the limit and stops
// reading there. `what` names the input in the message (e.g. "tenants file tenants.yaml").
Result<std::string> read_file_limited(const std::string& path, size_t max_bytes, const std::string& what);
// The same for an open descriptor (stdin).
Result<std::string> read_fd_limited(int fd, size_t max_bytes, const std::string& what);
// "… is larger than 16 MiB (limit k_max_input_file_bytes)".
Error too_large_error(const std::string& what, size_t max_bytes);
// Writes `content` to `path` atomically with the given mode (0600 for anything holding a secret).
Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);
Status make_dirs(const std::string& path, unsigned mode = 0755);
bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);
std::string parent_dir(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);
std::string current_dir();
// Makes `path` relative to `base` when it is under it ("./x"), otherwise returns it unchanged.
std::string relative_to(const std::string& path, const std::string& base);
std::string absolute_path(const std::string& path, const std::string& base);

// A fresh directory only this user can read (0700) under the system temp dir, removed with everything in it
// when the object goes away. path() is empty when it could not be made.
class PrivateTempDir {
public:
    explicit PrivateTempDir(const std::string& prefix = "tenantctl");
    ~PrivateTempDir();
    PrivateTempDir(const PrivateTempDir&) = delete;
    PrivateTempDir& operator=(const PrivateTempDir&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

}  // namespace tenantctl
