#include "scaffold/templates.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "core/fs.hpp"
#include "core/strings.hpp"

namespace tenantctl::scaffold {

namespace fs = std::filesystem;

std::string self_exe_path() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

std::vector<std::string> template_dir_candidates(const Env& env, const std::string& exe_path) {
    if (auto v = env.get(k_templates_env); v && !v->empty()) return {*v};
    std::vector<std::string> out;
    if (exe_path.empty()) return out;
    fs::path dir = fs::path(exe_path).parent_path();
    out.push_back((dir / ".." / "share" / "tenantctl" / "templates").lexically_normal().string());
    out.push_back((dir / "templates").lexically_normal().string());
    return out;
}

Result<std::string> find_templates_dir(const Env& env, const std::string& exe_path) {
    auto candidates = template_dir_candidates(env, exe_path);
    for (const auto& c : candidates)
        if (dir_exists(c)) return c;
    if (auto v = env.get(k_templates_env); v && !v->empty())
        return Error(ErrorKind::NotFound, std::string(k_templates_env) + "=" + quoted(*v) + " is not a directory",
                     "point it at a directory of templates, or unset it to use the bundled ones");
    std::string looked;
    for (const auto& c : candidates) looked += (looked.empty() ? "" : ", ") + quoted(c);
    return Error(
        ErrorKind::NotFound,
        "the bundled templates were not found" + (looked.empty() ? std::string() : " (looked in " + looked + ")"),
        "set " + std::string(k_templates_env) + " to a templates directory, or use --template GIT_URL");
}

std::string description_from_readme(std::string_view readme) {
    bool seen_text = false;
    for (const auto& raw : split(readme, '\n')) {
        std::string_view line = trim(raw);
        if (line.empty()) {
            if (seen_text) break;
            continue;
        }
        if (line.front() == '#' || line.front() == '!' || line.front() == '[' || line.front() == '<' ||
            starts_with(line, "```") || line.front() == '|')
            continue;
        std::string d(line);
        if (!d.empty() && d.back() == '.') d.pop_back();
        return d;
    }
    return {};
}

Result<std::vector<TemplateInfo>> list_templates(const std::string& dir) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return Error(ErrorKind::Io, "reading the templates directory " + quoted(dir) + ": " + ec.message());
    std::vector<TemplateInfo> out;
    for (const auto& entry : it) {
        if (!entry.is_directory(ec)) continue;
        std::string name = entry.path().filename().string();
        if (name.empty() || name.front() == '.') continue;
        std::string path = entry.path().string();
        bool has_readme = file_exists(join_path(path, "README.md"));
        bool has_config = file_exists(join_path(path, "wrangler.jsonc")) ||
                          file_exists(join_path(path, "wrangler.json")) ||
                          file_exists(join_path(path, "wrangler.toml"));
        if (!has_readme && !has_config) continue;
        TemplateInfo info{name, {}, path};
        if (has_readme) {
            if (auto text = read_file(join_path(path, "README.md")); text.ok())
                info.description = substitute_name(description_from_readme(*text), name);
        }
        out.push_back(std::move(info));
    }
    std::sort(out.begin(), out.end(), [](const TemplateInfo& a, const TemplateInfo& b) { return a.name < b.name; });
    return out;
}

std::string substitute_name(std::string_view text, std::string_view name) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (true) {
        size_t hit = text.find(k_name_placeholder, pos);
        if (hit == std::string_view::npos) break;
        out.append(text.substr(pos, hit - pos));
        out.append(name);
        pos = hit + k_name_placeholder.size();
    }
    out.append(text.substr(pos));
    return out;
}

bool looks_binary(std::string_view content) {
    return content.substr(0, 8000).find('\0') != std::string_view::npos;
}

std::string project_name_from(std::string_view dir_name) {
    std::string out;
    for (char c : to_lower(dir_name)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        char v = ok ? c : '-';
        if (v == '-' && (out.empty() || out.back() == '-')) continue;  // no leading or doubled dashes
        out += v;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    if (out.size() > 63) out.resize(63);
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

bool valid_project_name(std::string_view name) {
    if (name.empty() || name.size() > 63 || name.front() == '-') return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

TemplateSource parse_template_source(std::string_view spec) {
    TemplateSource s;
    std::string_view main = spec;
    std::string subdir;
    if (auto hash = spec.rfind('#'); hash != std::string_view::npos) {
        main = spec.substr(0, hash);
        subdir = std::string(spec.substr(hash + 1));
        while (!subdir.empty() && subdir.front() == '/') subdir.erase(0, 1);
        while (!subdir.empty() && subdir.back() == '/') subdir.pop_back();
    }
    bool repo = main.find('/') != std::string_view::npos || main.find(':') != std::string_view::npos ||
                starts_with(main, ".") || starts_with(main, "~") || !subdir.empty() || ends_with(main, ".git");
    if (!repo) {
        s.bundled = true;
        s.name = std::string(spec);
        return s;
    }
    s.url = std::string(main);
    s.subdir = subdir;
    return s;
}

}  // namespace tenantctl::scaffold
