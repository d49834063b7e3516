#pragma once
// The build context as docker sees it: .dockerignore rules and a content digest over everything the build reads.
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tenantctl::images {

// .dockerignore semantics (as docker's pattern matcher): one pattern per line, `#` comments, `!` re-includes,
// `*`, `?`, `[…]`, `**` across directories, leading `/` ignored; the last matching pattern wins, and a pattern
// that matches a parent directory matches everything below it.
class DockerIgnore {
public:
    static DockerIgnore parse(std::string_view text);
    bool excluded(std::string_view relative_path) const;  // '/'-separated, relative to the context root
    bool empty() const { return m_rules.empty(); }

private:
    struct Rule {
        std::string pattern;
        bool negate = false;
    };
    std::vector<Rule> m_rules;
};

bool glob_match(std::string_view pattern, std::string_view path);

struct ContextInput {
    std::string dockerfile_content;
    std::string context_dir;
    std::vector<std::pair<std::string, std::string>> build_args;
    std::string platform = "linux/amd64";
};

struct ContextDigest {
    std::string digest;  // "sha256:<hex>" over Dockerfile, build args, platform and context files
    size_t files = 0;    // files hashed (after .dockerignore)
    unsigned long long bytes = 0;
    std::string short_tag() const;  // 16 hex characters, usable as an image tag
};

// Walks the context (sorted, .dockerignore honoured, symlinks hashed by target) and hashes it.
Result<ContextDigest> digest_context(const ContextInput& in);

}  // namespace tenantctl::images
