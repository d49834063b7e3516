#include "runtime/asset_rules.hpp"

#include <algorithm>
#include <cctype>

#include "core/strings.hpp"

namespace tenantctl::runtime {

namespace {

constexpr size_t k_max_static_redirects = 2000;
constexpr size_t k_max_dynamic_redirects = 100;
constexpr size_t k_max_header_rules = 100;
constexpr size_t k_max_rule_line = 2000;

std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        size_t start = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i > start) out.emplace_back(line.substr(start, i - start));
    }
    return out;
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool dynamic_pattern(std::string_view p) {
    if (p.find('*') != std::string_view::npos) return true;
    for (size_t i = 0; i + 1 < p.size(); ++i)
        if (p[i] == ':' && is_name_char(p[i + 1])) return true;
    return false;
}

// Matching with backtracking over `*` (any run) and `:name` (one segment, at least one character).
bool match_at(std::string_view pat, size_t p, std::string_view path, size_t s, Placeholders& out) {
    while (p < pat.size()) {
        if (pat[p] == '*') {
            for (size_t end = path.size() + 1; end-- > s;) {
                out.emplace_back(":splat", std::string(path.substr(s, end - s)));
                if (match_at(pat, p + 1, path, end, out)) return true;
                out.pop_back();
            }
            return false;
        }
        if (pat[p] == ':' && p + 1 < pat.size() && is_name_char(pat[p + 1])) {
            size_t q = p + 1;
            while (q < pat.size() && is_name_char(pat[q])) ++q;
            std::string name(pat.substr(p, q - p));
            size_t seg_end = path.find('/', s);
            if (seg_end == std::string_view::npos) seg_end = path.size();
            for (size_t end = seg_end; end > s; --end) {
                out.emplace_back(name, std::string(path.substr(s, end - s)));
                if (match_at(pat, q, path, end, out)) return true;
                out.pop_back();
            }
            return false;
        }
        if (s >= path.size() || pat[p] != path[s]) return false;
        ++p;
        ++s;
    }
    return s == path.size();
}

// A rule pattern tenantctl can serve: a path (a full URL names a host of its own).
bool path_pattern(const std::string& p) {
    return starts_with(p, "/");
}

}  // namespace

std::optional<Placeholders> match_rule(std::string_view pattern, std::string_view path) {
    Placeholders out;
    if (!match_at(pattern, 0, path, 0, out)) return std::nullopt;
    return out;
}

std::string fill_placeholders(std::string text, const Placeholders& values) {
    Placeholders sorted = values;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    for (const auto& [name, value] : sorted) {
        std::string out;
        for (size_t i = 0; i < text.size();) {
            if (text.compare(i, name.size(), name) == 0 &&
                (i + name.size() == text.size() || !is_name_char(text[i + name.size()]))) {
                out += value;
                i += name.size();
            } else {
                out += text[i++];
            }
        }
        text = std::move(out);
    }
    return text;
}

Redirects parse_redirects(std::string_view text) {
    Redirects r;
    size_t n = 0;
    for (const auto& raw : split(text, '\n')) {
        ++n;
        std::string line(trim(raw));
        if (line.empty() || starts_with(line, "#")) continue;
        auto skip = [&](const std::string& why) { r.skipped.push_back("line " + std::to_string(n) + ": " + why); };
        if (line.size() > k_max_rule_line) {
            skip("longer than " + std::to_string(k_max_rule_line) + " characters");
            continue;
        }
        auto w = words(line);
        if (w.size() < 2 || w.size() > 3) {
            skip("expected FROM TO [STATUS]");
            continue;
        }
        RedirectRule rule{w[0], w[1], 302};
        if (w.size() == 3) {
            const std::string& s = w[2];
            if (s != "200" && s != "301" && s != "302" && s != "303" && s != "307" && s != "308") {
                skip("status " + s + " is not one of 200, 301, 302, 303, 307, 308");
                continue;
            }
            rule.status = std::stoi(s);
        }
        if (!path_pattern(rule.from)) {
            skip("\"" + rule.from + "\" is not a path (rules for other hosts are not served here)");
            continue;
        }
        if (rule.status == 200 && !starts_with(rule.to, "/")) {
            skip("a 200 rule serves an asset of this worker: its destination must be a path");
            continue;
        }
        if (dynamic_pattern(rule.from)) {
            if (r.dynamic.size() >= k_max_dynamic_redirects) {
                skip("more than " + std::to_string(k_max_dynamic_redirects) + " dynamic redirects");
                continue;
            }
            r.dynamic.push_back(std::move(rule));
        } else {
            if (r.fixed.size() >= k_max_static_redirects) {
                skip("more than " + std::to_string(k_max_static_redirects) + " static redirects");
                continue;
            }
            if (r.fixed.count(rule.from)) {
                skip("\"" + rule.from + "\" is redirected by an earlier line");
                continue;
            }
            r.fixed.emplace(rule.from, std::move(rule));
        }
    }
    return r;
}

HeaderRules parse_headers(std::string_view text) {
    HeaderRules h;
    size_t n = 0;
    bool in_rule = false;  // the lines below the current pattern belong to it
    for (const auto& raw : split(text, '\n')) {
        ++n;
        std::string line(trim(raw));
        if (line.empty() || starts_with(line, "#")) continue;
        auto skip = [&](const std::string& why) { h.skipped.push_back("line " + std::to_string(n) + ": " + why); };
        if (line.size() > k_max_rule_line) {
            skip("longer than " + std::to_string(k_max_rule_line) + " characters");
            continue;
        }
        const bool indented = !raw.empty() && std::isspace(static_cast<unsigned char>(raw[0]));
        if (!indented) {
            in_rule = false;
            if (!path_pattern(line)) {
                skip("\"" + line + "\" is not a path (rules for other hosts are not served here)");
                continue;
            }
            if (h.rules.size() >= k_max_header_rules) {
                skip("more than " + std::to_string(k_max_header_rules) + " rules");
                continue;
            }
            h.rules.push_back({line, {}, {}});
            in_rule = true;
            continue;
        }
        if (!in_rule) {
            skip("a header line without a path above it");
            continue;
        }
        if (starts_with(line, "!")) {
            std::string name = to_lower(trim(line.substr(1)));
            if (!name.empty()) h.rules.back().unset.push_back(name);
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) {
            skip("expected \"Name: value\"");
            continue;
        }
        h.rules.back().set.emplace_back(to_lower(trim(line.substr(0, colon))),
                                        std::string(trim(line.substr(colon + 1))));
    }
    return h;
}

std::optional<RedirectRule> find_redirect(const Redirects& redirects, const std::string& path) {
    if (auto it = redirects.fixed.find(path); it != redirects.fixed.end()) return it->second;
    for (const auto& rule : redirects.dynamic)
        if (auto bound = match_rule(rule.from, path)) {
            RedirectRule out = rule;
            out.to = fill_placeholders(rule.to, *bound);
            return out;
        }
    return std::nullopt;
}

HeaderChanges headers_for(const HeaderRules& rules, const std::string& path) {
    HeaderChanges c;
    for (const auto& rule : rules.rules) {
        auto bound = match_rule(rule.pattern, path);
        if (!bound) continue;
        for (const auto& name : rule.unset) {
            c.unset.push_back(name);
            c.set.erase(std::remove_if(c.set.begin(), c.set.end(), [&](const auto& kv) { return kv.first == name; }),
                        c.set.end());
        }
        for (const auto& [name, value] : rule.set) {
            std::string v = fill_placeholders(value, *bound);
            auto same = std::find_if(c.set.begin(), c.set.end(), [&](const auto& kv) { return kv.first == name; });
            if (same == c.set.end())
                c.set.emplace_back(name, std::move(v));
            else
                same->second += ", " + v;
        }
    }
    return c;
}

}  // namespace tenantctl::runtime
