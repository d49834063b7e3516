// Discovery, reading (encoding checks) and the load_config entry point.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "config/config.hpp"
#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/strings.hpp"

namespace tenantctl::config {

namespace {

// Invalid UTF-8 becomes U+FFFD, as when node reads a file as "utf-8" (keeps the JSON output valid).
std::string sanitize_utf8(std::string s) {
    size_t i = 0, n = s.size();
    // Fast path: nothing to do for valid text.
    auto valid_at = [&](size_t p, size_t& len) {
        unsigned char c = static_cast<unsigned char>(s[p]);
        if (c < 0x80) {
            len = 1;
            return true;
        }
        int need;
        unsigned cp;
        if ((c & 0xE0) == 0xC0) {
            need = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3;
            cp = c & 0x07;
        } else
            return false;
        for (int k = 1; k <= need; ++k) {
            if (p + static_cast<size_t>(k) >= n) return false;
            unsigned char d = static_cast<unsigned char>(s[p + static_cast<size_t>(k)]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        len = static_cast<size_t>(need) + 1;
        return true;
    };
    size_t len = 0;
    // ASCII runs are checked eight bytes at a time.
    while (true) {
        while (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i < n && valid_at(i, len)) {
            i += len;
            continue;
        }
        break;
    }
    if (i == n) return s;
    std::string out = s.substr(0, i);
    while (i < n) {
        if (valid_at(i, len)) {
            out.append(s, i, len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

std::string display_for(const std::string& abs, const std::string& cwd) {
    // Like wrangler's path.relative(cwd, file): "wrangler.toml", "../wrangler.toml".
    std::string r =
        std::filesystem::path(abs).lexically_relative(std::filesystem::path(cwd).lexically_normal()).string();
    return r.empty() ? abs : r;
}

Diagnostic file_error(const std::string& file, std::string msg, std::string hint = {}) {
    Diagnostic d;
    d.severity = Severity::Error;
    d.file = file;
    d.message = std::move(msg);
    d.hint = std::move(hint);
    return d;
}

}  // namespace

Format format_for_path(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".toml") return Format::Toml;
    if (ext == ".json") return Format::Json;
    if (ext == ".jsonc") return Format::Jsonc;
    return Format::Other;
}

std::string find_config(const std::string& start_dir) {
    // Nearest directory wins; within one directory wrangler.json > wrangler.jsonc > wrangler.toml.
    // (wrangler 4.164 instead searches all ancestors for wrangler.json before looking for a .jsonc or .toml
    // anywhere — workers-sdk issue #15663 — so a parent's wrangler.json would beat a local wrangler.toml.)
    std::filesystem::path dir = std::filesystem::path(start_dir).lexically_normal();
    for (int guard = 0; guard < 4096; ++guard) {
        for (const char* name : {"wrangler.json", "wrangler.jsonc", "wrangler.toml"}) {
            std::string candidate = (dir / name).string();
            if (file_exists(candidate)) return candidate;
        }
        if (!dir.has_parent_path() || dir.parent_path() == dir) break;
        dir = dir.parent_path();
    }
    return {};
}

Result<std::string> strip_bom(std::string text, const std::string& display_path) {
    auto starts = [&text](std::string_view bom) {
        return text.compare(0, bom.size(), bom) == 0 && text.size() >= bom.size();
    };
    const char* enc = nullptr;
    if (starts(std::string_view("\xFF\xFE\x00\x00", 4)))
        enc = "UTF-32 LE";
    else if (starts(std::string_view("\x00\x00\xFE\xFF", 4)))
        enc = "UTF-32 BE";
    else if (starts("\xFF\xFE"))
        enc = "UTF-16 LE";
    else if (starts("\xFE\xFF"))
        enc = "UTF-16 BE";
    if (enc) {
        Error e(ErrorKind::Config, "configuration file " + display_path + " contains a " + enc + " byte order marker",
                "save the file as UTF-8");
        Diagnostic d =
            file_error(display_path, std::string("Configuration file contains ") + enc + " byte order marker",
                       "tenantctl (like wrangler) reads configuration files as UTF-8; save it as UTF-8");
        d.line = 1;
        d.column = 1;
        e.diagnostics.push_back(std::move(d));
        return e;
    }
    if (starts("\xEF\xBB\xBF")) text.erase(0, 3);
    return text;
}

Result<Node> parse_config_text(std::string_view text, Format format, const std::string& display_path) {
    Node empty;
    empty.kind = Node::Kind::Object;
    empty.pos = {1, 1};
    switch (format) {
        case Format::Toml:
            return parse_toml(text, display_path);
        case Format::Json:
        case Format::Jsonc: {
            TRY_ASSIGN(Node root, parse_jsonc(text, display_path));
            // A top level that is not an object reads as an empty configuration, like wrangler.
            if (!root.is_object()) return empty;
            return root;
        }
        case Format::Other:
            return empty;
    }
    return empty;
}

namespace {
LoadedConfig load_config_unannotated(const LoadOptions& options);
}  // namespace

// Every diagnostic of the file carries its source line, for whoever renders it (config validate, or an
// Error that deploy or tenants returns).
LoadedConfig load_config(const LoadOptions& options) {
    LoadedConfig out = load_config_unannotated(options);
    if (const SourceText* src = out.source()) {
        attach_source_lines(out.errors, *src);
        attach_source_lines(out.warnings, *src);
    }
    return out;
}

namespace {
LoadedConfig load_config_unannotated(const LoadOptions& options) {
    LoadedConfig out;
    const std::string cwd = options.cwd.empty() ? current_dir() : absolute_path(options.cwd, current_dir());
    out.dir = cwd;

    std::optional<std::string> env = options.env;
    if (!env && options.environment) {
        if (auto v = options.environment->get("CLOUDFLARE_ENV")) env = *v;
    }
    out.env = env;

    std::string path;
    if (!options.config_path.empty()) {
        path = absolute_path(options.config_path, cwd);
        out.display_path = options.config_path;  // verbatim, as the user wrote it
    } else {
        path = find_config(cwd);
        if (!path.empty()) out.display_path = display_for(path, cwd);
    }

    std::string text;
    if (!path.empty()) {
        out.path = path;
        out.dir = parent_dir(path);
        out.format = format_for_path(path);
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        int err = fd < 0 ? errno : 0;
        bool too_large = false;
        if (fd >= 0) {
            char buf[65536];
            while (true) {
                ssize_t r = ::read(fd, buf, sizeof buf);
                if (r < 0) {
                    if (errno == EINTR) continue;
                    err = errno;
                    break;
                }
                if (r == 0) break;
                if (text.size() + static_cast<size_t>(r) > limits::k_max_config_file_bytes) {
                    too_large = true;
                    break;
                }
                text.append(buf, static_cast<size_t>(r));
            }
            ::close(fd);
        }
        if (too_large) {
            out.errors.push_back(file_error(out.display_path,
                                            "Could not read file: " + out.display_path + " (larger than " +
                                                std::to_string(limits::k_max_config_file_bytes / limits::k_mib) +
                                                " MiB, limit k_max_config_file_bytes)",
                                            "a wrangler config is a few KB; check the --config path"));
            out.config = nullptr;
            return out;
        }
        if (err) {
            std::string hint = err == ENOENT
                                   ? "check the --config path (it is relative to the working directory " + cwd + ")"
                                   : std::string();
            out.errors.push_back(file_error(
                out.display_path, "Could not read file: " + out.display_path + " (" + std::strerror(err) + ")", hint));
            out.config = nullptr;
            return out;
        }
        auto bom = strip_bom(std::move(text), out.display_path);
        if (!bom.ok()) {
            out.errors = bom.error().diagnostics;
            out.config = nullptr;
            return out;
        }
        text = sanitize_utf8(std::move(bom).value());
        out.sources.emplace_back(out.display_path, std::move(text));
    }

    Node root;
    root.kind = Node::Kind::Object;
    if (!path.empty()) {
        auto parsed = parse_config_text(out.sources.front().text(), out.format, out.display_path);
        if (!parsed.ok()) {
            out.errors = parsed.error().diagnostics;
            out.config = nullptr;
            return out;
        }
        root = std::move(parsed).value();
    }

    NormalizeOptions no;
    no.config_path = out.path;
    no.display_path = out.display_path;
    no.dir = out.dir;
    no.format = out.format == Format::Other ? Format::Toml : out.format;
    no.env = env;
    no.dispatch_namespace = options.dispatch_namespace;
    Normalized n = normalize(root, no);
    out.warnings = std::move(n.warnings);
    out.errors = std::move(n.errors);
    if (options.strict) {
        for (auto& w : out.warnings) {
            w.severity = Severity::Error;
            out.errors.push_back(w);
        }
        out.warnings.clear();
    }
    out.config = out.errors.empty() ? std::move(n.config) : nlohmann::json(nullptr);
    return out;
}
}  // namespace

Error errors_as_error(const LoadedConfig& cfg) {
    std::string where = cfg.display_path.empty() ? std::string("the configuration") : cfg.display_path;
    size_t n = cfg.errors.size();
    Error e(ErrorKind::Config, where + " has " + std::to_string(n) + (n == 1 ? " error" : " errors"),
            "`tenantctl config validate` checks the file without acting on it");
    e.diagnostics = cfg.errors;
    return e;
}

Result<LoadedConfig> load_config_checked(const LoadOptions& options, bool require_file) {
    LoadedConfig cfg = load_config(options);
    if (!cfg.ok()) return errors_as_error(cfg);
    if (require_file && !cfg.found())
        return Error(ErrorKind::Config,
                     "no wrangler.json, wrangler.jsonc or wrangler.toml found in " + cfg.dir + " or above",
                     "create one (see examples/hello) or pass --config PATH");
    return cfg;
}

// ---------------------------------------------------------------- LoadedConfig helpers

namespace {
std::string str_field(const nlohmann::json& c, const char* k) {
    if (c.is_object() && c.contains(k) && c[k].is_string()) return c[k].get<std::string>();
    return {};
}
}  // namespace

std::string LoadedConfig::name() const {
    return str_field(config, "name");
}
std::string LoadedConfig::top_level_name() const {
    return str_field(config, "topLevelName");
}
std::string LoadedConfig::compatibility_date() const {
    return str_field(config, "compatibility_date");
}
std::string LoadedConfig::account_id() const {
    return str_field(config, "account_id");
}

std::string LoadedConfig::absolute(const std::string& p) const {
    if (p.empty()) return p;
    return absolute_path(p, dir);
}

std::optional<std::string> LoadedConfig::main_path() const {
    std::string m = str_field(config, "main");
    if (m.empty()) return std::nullopt;
    return absolute(m);
}

WorkerConfig LoadedConfig::worker() const {
    return worker_config(config);
}

std::vector<std::string> LoadedConfig::defined_environments() const {
    std::vector<std::string> out;
    if (config.is_object() && config.contains("definedEnvironments"))
        for (const auto& e : config["definedEnvironments"])
            if (e.is_string()) out.push_back(e.get<std::string>());
    return out;
}

}  // namespace tenantctl::config
