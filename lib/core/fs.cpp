#include "core/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/strings.hpp"

namespace tenantctl {

namespace fs = std::filesystem;

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        int err = errno;
        return Error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                     "could not read file " + path + ": " + std::strerror(err));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Error too_large_error(const std::string& what, size_t max_bytes) {
    std::string size = max_bytes % (1024 * 1024) == 0 ? std::to_string(max_bytes / (1024 * 1024)) + " MiB"
                                                      : std::to_string(max_bytes) + " bytes";
    return Error(ErrorKind::Input, what + " is larger than " + size + " (limit k_max_input_file_bytes)",
                 "tenantctl reads such input whole; pass a smaller file");
}

Result<std::string> read_fd_limited(int fd, size_t max_bytes, const std::string& what) {
    std::string out;
    char buf[65536];
    while (true) {
        ssize_t r = ::read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            return Error(ErrorKind::Io, "could not read " + what + ": " + std::strerror(errno));
        }
        if (r == 0) break;
        if (out.size() + static_cast<size_t>(r) > max_bytes) return too_large_error(what, max_bytes);
        out.append(buf, static_cast<size_t>(r));
    }
    return out;
}

Result<std::string> read_file_limited(const std::string& path, size_t max_bytes, const std::string& what) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        return Error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                     "could not read file " + path + ": " + std::strerror(err));
    }
    auto r = read_fd_limited(fd, max_bytes, what);
    ::close(fd);
    return r;
}

Status make_dirs(const std::string& path, unsigned mode) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return {};
    // Every directory this creates gets `mode` (not 0777 & ~umask: with umask 000 that is world-writable).
    std::vector<fs::path> missing;
    for (fs::path p = fs::path(path); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        missing.push_back(p);
        if (p == p.parent_path()) break;
    }
    fs::create_directories(path, ec);
    if (ec) return Error(ErrorKind::Io, "could not create directory " + path + ": " + ec.message());
    for (auto& p : missing) ::chmod(p.c_str(), mode);
    return {};
}

Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
    std::string dir = parent_dir(path);
    if (!dir.empty()) TRY_STATUS(make_dirs(dir));
    std::string tmp = path + ".tmp-" + random_hex(6);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return Error(ErrorKind::Io, "could not write " + path + ": " + std::strerror(errno));
    ::fchmod(fd, mode);  // umask must not widen or narrow what was asked for
    size_t off = 0;
    while (off < content.size()) {
        ssize_t w = ::write(fd, content.data() + off, content.size() - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return Error(ErrorKind::Io, "could not write " + path + ": " + std::strerror(err));
        }
        off += static_cast<size_t>(w);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        return Error(ErrorKind::Io, "could not write " + path + ": " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Error(ErrorKind::Io, "could not write " + path + ": " + std::strerror(err));
    }
    return {};
}

bool file_exists(const std::string& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

bool dir_exists(const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec);
}

std::string parent_dir(const std::string& path) {
    auto p = fs::path(path).parent_path();
    return p.string();
}

std::string join_path(const std::string& a, const std::string& b) {
    if (a.empty() || (!b.empty() && b[0] == '/')) return b;
    return (fs::path(a) / b).lexically_normal().string();
}

std::string current_dir() {
    std::error_code ec;
    return fs::current_path(ec).string();
}

namespace {

// True when `p` is already lexically normal as a relative path: no empty, "." or ".." segments and no trailing
// slash ("src/index.js", "a/b"). Such paths are joined with plain string operations (std::filesystem's
// lexically_normal costs microseconds, and normalizing a large config does it for every container image).
bool simple_relative(std::string_view p) {
    if (p.empty() || p.front() == '/' || p.back() == '/') return false;
    size_t i = 0;
    while (true) {
        size_t j = p.find('/', i);
        std::string_view seg = p.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
        if (seg.empty() || seg == "." || seg == "..") return false;
        if (j == std::string_view::npos) return true;
        i = j + 1;
    }
}

// An absolute path that is already lexically normal ("/", "/a/b").
bool simple_absolute(std::string_view p) {
    return p == "/" || (p.size() > 1 && p[0] == '/' && simple_relative(p.substr(1)));
}

}  // namespace

std::string absolute_path(const std::string& path, const std::string& base) {
    if (!path.empty() && path[0] != '/' && simple_absolute(base)) {
        std::string_view rel = path;
        while (rel.size() > 2 && rel.substr(0, 2) == "./") rel.remove_prefix(2);
        if (simple_relative(rel)) return base == "/" ? "/" + std::string(rel) : base + "/" + std::string(rel);
    }
    fs::path p(path);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (fs::path(base) / p).lexically_normal().string();
}

std::string relative_to(const std::string& path, const std::string& base) {
    if (simple_absolute(path) && simple_absolute(base) && base != "/") {
        if (path == base) return "./";
        if (path.size() > base.size() && path.compare(0, base.size(), base) == 0 && path[base.size()] == '/')
            return "./" + path.substr(base.size() + 1);
    }
    fs::path p = fs::path(path).lexically_normal();
    fs::path b = fs::path(base).lexically_normal();
    auto rel = p.lexically_relative(b);
    if (rel.empty() || starts_with(rel.string(), "..")) return path;
    std::string r = rel.string();
    if (r == ".") return "./";
    return "./" + r;
}

PrivateTempDir::PrivateTempDir(const std::string& prefix) {
    std::error_code ec;
    std::string base = std::filesystem::temp_directory_path(ec).string();
    if (ec || base.empty()) base = "/tmp";
    std::string templ = base + "/" + prefix + "-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data())) m_path = buf.data();  // mkdtemp makes it 0700
}

PrivateTempDir::~PrivateTempDir() {
    std::error_code ec;
    if (!m_path.empty()) std::filesystem::remove_all(m_path, ec);
}

}  // namespace tenantctl
