#include "images/context.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace tenantctl::images {

namespace fs = std::filesystem;

static std::string clean_pattern(std::string_view p) {
    // Like filepath.Clean for the cases that matter: drop leading '/', './', repeated and trailing slashes.
    std::vector<std::string> parts;
    for (auto& seg : split(p, '/')) {
        if (seg.empty() || seg == ".") continue;
        if (seg == ".." && !parts.empty() && parts.back() != "..") {
            parts.pop_back();
            continue;
        }
        parts.push_back(seg);
    }
    return join(parts, "/");
}

DockerIgnore DockerIgnore::parse(std::string_view text) {
    DockerIgnore ig;
    for (auto& raw : split(text, '\n')) {
        std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        Rule r;
        if (line[0] == '!') {
            r.negate = true;
            line = trim(line.substr(1));
        }
        r.pattern = clean_pattern(line);
        if (r.pattern.empty()) continue;
        ig.m_rules.push_back(std::move(r));
    }
    return ig;
}

// Matches one pattern against one path. `*` and `?` never cross '/', `**` matches any number of segments.
bool glob_match(std::string_view pat, std::string_view path) {
    size_t p = 0, s = 0;
    while (p < pat.size()) {
        char c = pat[p];
        if (c == '*') {
            if (p + 1 < pat.size() && pat[p + 1] == '*') {
                // `**` (optionally followed by '/') matches zero or more whole or partial segments.
                size_t rest = p + 2;
                if (rest < pat.size() && pat[rest] == '/') {
                    for (size_t k = s; k <= path.size(); ++k) {
                        if ((k == s || path[k - 1] == '/') && glob_match(pat.substr(rest + 1), path.substr(k)))
                            return true;
                    }
                    return false;
                }
                for (size_t k = s; k <= path.size(); ++k) {
                    if (glob_match(pat.substr(rest), path.substr(k))) return true;
                }
                return false;
            }
            for (size_t k = s; k <= path.size(); ++k) {
                if (glob_match(pat.substr(p + 1), path.substr(k))) return true;
                if (k < path.size() && path[k] == '/') break;
            }
            return false;
        }
        if (s >= path.size()) return false;
        if (c == '?') {
            if (path[s] == '/') return false;
            ++p;
            ++s;
            continue;
        }
        if (c == '[') {
            size_t end = pat.find(']', p + 1);
            if (end == std::string_view::npos) return false;  // malformed class matches nothing
            std::string_view cls = pat.substr(p + 1, end - p - 1);
            bool neg = !cls.empty() && (cls[0] == '^' || cls[0] == '!');
            if (neg) cls.remove_prefix(1);
            bool hit = false;
            for (size_t i = 0; i < cls.size(); ++i) {
                if (i + 2 < cls.size() && cls[i + 1] == '-') {
                    if (path[s] >= cls[i] && path[s] <= cls[i + 2]) hit = true;
                    i += 2;
                } else if (cls[i] == path[s]) {
                    hit = true;
                }
            }
            if (hit == neg || path[s] == '/') return false;
            p = end + 1;
            ++s;
            continue;
        }
        if (c == '\\' && p + 1 < pat.size()) {
            ++p;
            c = pat[p];
        }
        if (path[s] != c) return false;
        ++p;
        ++s;
    }
    return s == path.size();
}

bool DockerIgnore::excluded(std::string_view relative_path) const {
    std::string path = clean_pattern(relative_path);
    bool excluded = false;
    for (const auto& r : m_rules) {
        bool match = glob_match(r.pattern, path);
        if (!match) {
            // A pattern that matches a parent directory matches everything below it.
            for (size_t pos = path.find('/'); pos != std::string::npos && !match; pos = path.find('/', pos + 1)) {
                match = glob_match(r.pattern, std::string_view(path).substr(0, pos));
            }
        }
        if (match) excluded = !r.negate;
    }
    return excluded;
}

std::string ContextDigest::short_tag() const {
    auto colon = digest.find(':');
    return digest.substr(colon == std::string::npos ? 0 : colon + 1, 16);
}

Result<ContextDigest> digest_context(const ContextInput& in) {
    if (!dir_exists(in.context_dir)) {
        return Error(ErrorKind::Input, "the build context " + in.context_dir + " is not a directory");
    }
    DockerIgnore ignore;
    if (auto text = read_file(join_path(in.context_dir, ".dockerignore")); text.ok())
        ignore = DockerIgnore::parse(*text);

    std::vector<std::string> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(in.context_dir, fs::directory_options::none, ec), end;
    if (ec) return Error(ErrorKind::Io, "could not read the build context " + in.context_dir + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
        if (ec) return Error(ErrorKind::Io, "could not read the build context " + in.context_dir + ": " + ec.message());
        std::string rel = fs::relative(it->path(), in.context_dir, ec).generic_string();
        bool is_dir = it->is_directory(ec) && !it->is_symlink(ec);
        // Excluded directories are still walked: a later `!` rule may re-include files below them.
        if (!is_dir && !ignore.excluded(rel)) files.push_back(rel);
    }
    std::sort(files.begin(), files.end());

    Sha256 h;
    auto field = [&](std::string_view name, std::string_view value) {
        h.update(name)
            .update(std::string(1, '\0'))
            .update(std::to_string(value.size()))
            .update(std::string(1, '\0'))
            .update(value);
    };
    field("dockerfile", in.dockerfile_content);
    field("platform", in.platform);
    for (const auto& [k, v] : in.build_args) field("arg", k + "=" + v);
    ContextDigest out;
    for (const auto& rel : files) {
        std::string full = join_path(in.context_dir, rel);
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0) continue;
        field("path", rel);
        field("mode", std::to_string(st.st_mode & 0777));
        if (S_ISLNK(st.st_mode)) {
            field("link", fs::read_symlink(full, ec).string());
        } else {
            std::ifstream f(full, std::ios::binary);
            if (!f) return Error(ErrorKind::Io, "could not read " + full + " in the build context");
            h.update("content");
            char buf[65536];
            while (f.read(buf, sizeof buf) || f.gcount() > 0) {
                h.update(std::string_view(buf, static_cast<size_t>(f.gcount())));
                out.bytes += static_cast<unsigned long long>(f.gcount());
            }
        }
        ++out.files;
    }
    out.digest = "sha256:" + h.hex();
    return out;
}

}  // namespace tenantctl::images
