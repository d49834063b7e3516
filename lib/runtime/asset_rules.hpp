#pragma once
// The `_redirects` and `_headers` files of a worker's static assets, as production reads and applies them:
//
//   _redirects: one rule per line, `FROM TO [STATUS]` (301, 302 (the default), 303, 307, 308, or 200: serve TO's
//   asset at FROM's URL); `#` starts a comment. Static rules (no `*`, no `:name`) win over dynamic ones, then the
//   first matching rule; at most 2,000 static and 100 dynamic rules are read.
//   _headers: a path pattern on a line of its own, then indented `Name: value` lines (added to the responses of
//   assets whose path matches) and `! Name` lines (removed); at most 100 rules.
//
// Patterns match the whole (decoded) path: `*` matches any run of characters (its text is `:splat` in a
// destination or a header value), `:name` one path segment (`:name` there). Rules whose pattern is a full URL
// (a host of their own) are skipped: tenantctl serves one host per worker. Invalid lines are skipped (each
// listed, with its line number and why, in `skipped`); nothing in these files stops an upload.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tenantctl::runtime {

struct RedirectRule {
    std::string from;
    std::string to;
    int status = 302;
};

struct Redirects {
    std::map<std::string, RedirectRule> fixed;  // by `from`
    std::vector<RedirectRule> dynamic;          // in file order
    std::vector<std::string> skipped;           // "line N: why", for logs
};
Redirects parse_redirects(std::string_view text);

struct HeaderRule {
    std::string pattern;
    std::vector<std::pair<std::string, std::string>> set;  // name (lowercase), value
    std::vector<std::string> unset;                        // lowercase
};
struct HeaderRules {
    std::vector<HeaderRule> rules;
    std::vector<std::string> skipped;
};
HeaderRules parse_headers(std::string_view text);

// The placeholders a pattern binds on a path (":splat", ":name" -> text), or nullopt when it does not match.
using Placeholders = std::vector<std::pair<std::string, std::string>>;
std::optional<Placeholders> match_rule(std::string_view pattern, std::string_view path);
// `text` with each bound placeholder replaced by its value (longest names first, so `:id` does not eat `:idx`).
std::string fill_placeholders(std::string text, const Placeholders& values);

// The redirect for a path, with its destination filled in; nullopt when no rule matches.
std::optional<RedirectRule> find_redirect(const Redirects& redirects, const std::string& path);

// The headers the rules give an asset response at `path`: what to remove, then what to set (the first value of
// a name replaces the response's own header of that name; later ones join it with ", ").
struct HeaderChanges {
    std::vector<std::string> unset;
    std::vector<std::pair<std::string, std::string>> set;
};
HeaderChanges headers_for(const HeaderRules& rules, const std::string& path);

}  // namespace tenantctl::runtime
