#include "bundle/esbuild.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/fs.hpp"
#include "core/lines.hpp"
#include "core/process.hpp"
#include "core/strings.hpp"

namespace tenantctl::bundle {

using nlohmann::json;

namespace {

void put32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void encode_value(std::string& out, const json& v) {
    switch (v.type()) {
        case json::value_t::null:
        case json::value_t::discarded:
            out += '\0';
            break;
        case json::value_t::boolean:
            out += '\1';
            out += v.get<bool>() ? '\1' : '\0';
            break;
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float:
            out += '\2';
            put32(out, static_cast<uint32_t>(static_cast<int32_t>(v.get<int64_t>())));
            break;
        case json::value_t::string: {
            const auto& s = v.get_ref<const std::string&>();
            out += '\3';
            put32(out, static_cast<uint32_t>(s.size()));
            out += s;
            break;
        }
        case json::value_t::binary: {
            const auto& b = v.get_binary();
            out += '\4';
            put32(out, static_cast<uint32_t>(b.size()));
            out.append(reinterpret_cast<const char*>(b.data()), b.size());
            break;
        }
        case json::value_t::array:
            out += '\5';
            put32(out, static_cast<uint32_t>(v.size()));
            for (const auto& x : v) encode_value(out, x);
            break;
        case json::value_t::object:
            out += '\6';
            put32(out, static_cast<uint32_t>(v.size()));
            for (auto it = v.begin(); it != v.end(); ++it) {
                put32(out, static_cast<uint32_t>(it.key().size()));
                out += it.key();
                encode_value(out, it.value());
            }
            break;
    }
}

struct Reader {
    std::string_view data;
    size_t pos = 0;
    bool ok = true;
    int depth = 0;

    uint8_t u8() {
        if (pos + 1 > data.size()) {
            ok = false;
            return 0;
        }
        return static_cast<uint8_t>(data[pos++]);
    }
    uint32_t u32() {
        if (pos + 4 > data.size()) {
            ok = false;
            return 0;
        }
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos + i])) << (8 * i);
        pos += 4;
        return v;
    }
    std::string_view bytes() {
        uint32_t n = u32();
        if (!ok || n > data.size() - pos) {
            ok = false;
            return {};
        }
        std::string_view s = data.substr(pos, n);
        pos += n;
        return s;
    }
    json value() {
        if (!ok || ++depth > 64) {
            ok = false;
            return nullptr;
        }
        json out;
        switch (u8()) {
            case 0:
                out = nullptr;
                break;
            case 1:
                out = u8() != 0;
                break;
            case 2:
                out = static_cast<int32_t>(u32());
                break;
            case 3:
                out = std::string(bytes());
                break;
            case 4: {
                std::string_view b = bytes();
                out = json::binary(std::vector<uint8_t>(b.begin(), b.end()));
                break;
            }
            case 5: {
                uint32_t n = u32();
                out = json::array();
                for (uint32_t i = 0; ok && i < n; ++i) out.push_back(value());
                break;
            }
            case 6: {
                uint32_t n = u32();
                out = json::object();
                for (uint32_t i = 0; ok && i < n; ++i) {
                    std::string k(bytes());
                    out[k] = value();
                }
                break;
            }
            default:
                ok = false;
        }
        --depth;
        return out;
    }
};

std::string as_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_binary()) return std::string(v.get_binary().begin(), v.get_binary().end());
    return {};
}

int as_int(const json& v) {
    return v.is_number() ? v.get<int>() : 0;
}

Message to_message(const json& m) {
    Message out;
    out.text = as_text(m.value("text", json()));
    out.plugin = as_text(m.value("pluginName", json()));
    if (const json loc = m.value("location", json()); loc.is_object()) {
        out.file = as_text(loc.value("file", json()));
        out.line = as_int(loc.value("line", json()));
        out.column = as_int(loc.value("column", json()));
        out.line_text = as_text(loc.value("lineText", json()));
    }
    for (const auto& n : m.value("notes", json::array()))
        if (n.is_object()) out.notes.push_back(as_text(n.value("text", json())));
    return out;
}

json plugin_message(const std::string& text, const std::string& plugin) {
    return {{"id", ""},    {"pluginName", plugin}, {"text", text}, {"location", nullptr}, {"notes", json::array()},
            {"detail", -1}};
}

// A child process with pipes to its stdin and stdout; stderr is collected by a thread.
class Child {
public:
    ~Child() { stop(); }

    Status start(const std::vector<std::string>& argv, const std::string& cwd) {
        int in[2], out[2], err[2];
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
            return Error(ErrorKind::Internal, std::string("pipe: ") + std::strerror(errno));
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        m_pid = fork();
        if (m_pid < 0) return Error(ErrorKind::Internal, std::string("fork: ") + std::strerror(errno));
        if (m_pid == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
            if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
            execv(args[0], args.data());
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        close(err[1]);
        m_in = in[1];
        m_out = out[0];
        int errfd = err[0];
        m_err_thread = std::thread([this, errfd] {
            char buf[4096];
            for (;;) {
                ssize_t n = read(errfd, buf, sizeof buf);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                if (m_err.size() < 64 * 1024) m_err.append(buf, static_cast<size_t>(n));
            }
            close(errfd);
        });
        return {};
    }

    bool write_all(std::string_view data) {
        while (!data.empty()) {
            ssize_t n = ::write(m_in, data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            data.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }

    bool read_exact(std::string& out, size_t n) {
        out.resize(n);
        size_t got = 0;
        while (got < n) {
            ssize_t r = ::read(m_out, out.data() + got, n - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return false;
            got += static_cast<size_t>(r);
        }
        return true;
    }

    // Reads one length-prefixed packet body.
    bool read_packet(std::string& body) {
        std::string len;
        if (!read_exact(len, 4)) return false;
        uint32_t n = 0;
        for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<uint8_t>(len[i])) << (8 * i);
        if (n > (1u << 30)) return false;
        return read_exact(body, n);
    }

    std::string stop() {
        if (m_in >= 0) close(m_in), m_in = -1;
        if (m_out >= 0) close(m_out), m_out = -1;
        if (m_pid > 0) {
            int status = 0;
            // Closing stdin makes the service exit; do not wait forever for one that does not.
            for (int i = 0; i < 200; ++i) {
                pid_t r = waitpid(m_pid, &status, WNOHANG);
                if (r != 0) break;
                if (i == 199) {
                    kill(m_pid, SIGKILL);
                    waitpid(m_pid, &status, 0);
                }
                usleep(10 * 1000);
            }
            m_pid = -1;
        }
        if (m_err_thread.joinable()) m_err_thread.join();
        return m_err;
    }

    const std::string& err_text() const { return m_err; }

private:
    pid_t m_pid = -1;
    int m_in = -1;
    int m_out = -1;
    std::thread m_err_thread;
    std::string m_err;
};

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
    auto parts = [](std::string_view v) {
        std::vector<long> out;
        long cur = 0;
        bool any = false;
        for (char c : v) {
            if (c >= '0' && c <= '9') {
                cur = cur * 10 + (c - '0');
                any = true;
            } else if (c == '.') {
                out.push_back(cur);
                cur = 0;
                any = false;
            } else {
                break;  // "-beta" and the like
            }
        }
        if (any || !out.empty()) out.push_back(cur);
        return out;
    };
    auto x = parts(a), y = parts(b);
    for (size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
        long p = i < x.size() ? x[i] : 0, q = i < y.size() ? y[i] : 0;
        if (p != q) return p < q ? -1 : 1;
    }
    return 0;
}

std::string encode_packet(uint32_t id, bool is_request, const json& value) {
    std::string out;
    put32(out, 0);
    put32(out, (id << 1) | (is_request ? 0u : 1u));
    encode_value(out, value);
    uint32_t len = static_cast<uint32_t>(out.size() - 4);
    for (int i = 0; i < 4; ++i) out[static_cast<size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
    return out;
}

Result<Packet> decode_packet(std::string_view bytes) {
    Reader r{bytes};
    Packet p;
    uint32_t id = r.u32();
    p.is_request = (id & 1u) == 0;
    p.id = id >> 1;
    p.value = r.value();
    if (!r.ok || r.pos != bytes.size()) return Error(ErrorKind::Internal, "esbuild sent a malformed packet");
    return p;
}

Result<EsbuildBinary> find_esbuild(const std::string& project_dir, const Env& env) {
    auto probe = [](const std::string& path, const std::string& source) -> std::optional<EsbuildBinary> {
        if (path.empty() || access(path.c_str(), X_OK) != 0) return std::nullopt;
        return EsbuildBinary{path, "", source};
    };
    std::optional<EsbuildBinary> found;
    // 1. The project's own node_modules, from the project directory upwards (as Node resolves packages).
    for (std::string dir = project_dir; !found && !dir.empty();) {
        std::string nm = join_path(dir, "node_modules");
        if (dir_exists(nm)) {
            // The native binary directly (the .bin entry may be a Node.js wrapper script).
            found = probe(join_path(nm, "@esbuild/linux-x64/bin/esbuild"), "node_modules");
            if (!found) found = probe(join_path(nm, "esbuild/bin/esbuild"), "node_modules");
        }
        std::string up = parent_dir(dir);
        if (up == dir) break;
        dir = up;
    }
    // 2. $TENANTCTL_ESBUILD.
    if (!found) {
        std::string v = env.get_or("TENANTCTL_ESBUILD", "");
        if (!v.empty()) {
            found = probe(v, "TENANTCTL_ESBUILD");
            if (!found)
                return Error(ErrorKind::Input, "TENANTCTL_ESBUILD=" + quoted(v) + " is not an executable file",
                             "point it at an esbuild binary, or unset it to use the project's node_modules or PATH");
        }
    }
    // 3. PATH.
    if (!found) found = probe(find_executable("esbuild", env.get_or("PATH", "")), "PATH");
    if (!found)
        return Error(ErrorKind::Input, "esbuild was not found: tenantctl bundles workers with it, as wrangler does",
                     "run `npm install --save-dev esbuild` in the project, or set TENANTCTL_ESBUILD to an esbuild "
                     "binary, or put esbuild on PATH (scripts/setup.sh installs one); or deploy without bundling "
                     "with --no-bundle");
    // npm's native package says its version next to the binary (…/@esbuild/linux-x64/{bin/esbuild,package.json}):
    // reading it saves starting esbuild once more.
    std::error_code ec;
    std::filesystem::path real = std::filesystem::canonical(found->path, ec);
    if (!ec) {
        auto pkg = read_file((real.parent_path().parent_path() / "package.json").string());
        if (pkg) {
            json j = json::parse(*pkg, nullptr, false);
            if (j.is_object() && starts_with(j.value("name", std::string()), "@esbuild/") &&
                j.value("version", std::string()) != "")
                found->version = j.value("version", std::string());
        }
    }
    if (found->version.empty()) {
        ProcessOptions po;
        po.timeout = std::chrono::milliseconds(10000);
        auto r = run_process({found->path, "--version"}, po);
        if (!r || r->exit_code != 0)
            return Error(ErrorKind::Input, "esbuild at " + quoted(found->path) + " (from " + found->source +
                                               ") does not run: " + (r ? last_lines(r->err, 3) : r.error().message));
        found->version = trim(r->out);
    }
    if (compare_versions(found->version, k_min_esbuild_version) < 0)
        return Error(ErrorKind::Input,
                     "esbuild " + found->version + " at " + quoted(found->path) + " (from " + found->source +
                         ") is too old: tenantctl needs esbuild " + k_min_esbuild_version + " or newer",
                     "install a newer one: npm install --save-dev esbuild");
    return *found;
}

Result<BuildResult> run_build(const EsbuildBinary& esbuild, const BuildRequest& req) {
    Child child;
    TRY_STATUS(child.start({esbuild.path, "--service=" + esbuild.version}, req.working_dir));
    auto broken = [&](const std::string& what) {
        std::string err = child.stop();
        std::string detail = last_lines(err, 5);
        return Error(ErrorKind::Internal, "esbuild " + esbuild.version + " at " + quoted(esbuild.path) + ": " + what +
                                              (detail.empty() ? std::string() : "\n" + detail));
    };
    std::string body;
    if (!child.read_packet(body)) return broken("the service did not start");
    if (body != esbuild.version) return broken("the service reports version " + quoted(body));

    // The plugin: every hook gets an id; esbuild sends the ids that matched with each callback.
    json on_resolve = json::array(), on_load = json::array();
    for (size_t i = 0; i < req.on_resolve.size(); ++i)
        on_resolve.push_back(
            {{"id", static_cast<int>(i)}, {"filter", req.on_resolve[i].filter}, {"namespace", req.on_resolve[i].ns}});
    const int load_base = static_cast<int>(req.on_resolve.size());
    for (size_t i = 0; i < req.on_load.size(); ++i)
        on_load.push_back({{"id", load_base + static_cast<int>(i)},
                           {"filter", req.on_load[i].filter},
                           {"namespace", req.on_load[i].ns}});
    json entries = json::array();
    for (const auto& e : req.entry_points) entries.push_back(json::array({"", e}));
    json build = {{"command", "build"},
                  {"key", 0},
                  {"entries", entries},
                  {"flags", req.flags},
                  {"write", false},
                  {"stdinContents", nullptr},
                  {"stdinResolveDir", nullptr},
                  {"absWorkingDir", req.working_dir},
                  {"nodePaths", json::array()},
                  {"context", false}};
    if (!req.on_resolve.empty() || !req.on_load.empty())
        build["plugins"] = json::array({{{"name", "tenantctl"},
                                         {"onStart", false},
                                         {"onEnd", false},
                                         {"onResolve", on_resolve},
                                         {"onLoad", on_load}}});
    const uint32_t build_id = 1;
    if (!child.write_all(encode_packet(build_id, true, build))) return broken("could not send the build request");

    for (;;) {
        if (!child.read_packet(body)) return broken("the service stopped during the build");
        auto packet = decode_packet(body);
        if (!packet) return broken(packet.error().message);
        const json& v = packet->value;
        if (!packet->is_request) {
            if (packet->id != build_id) continue;
            if (v.is_object() && v.contains("error")) return broken(as_text(v["error"]));
            BuildResult result;
            for (const auto& m : v.value("errors", json::array())) result.errors.push_back(to_message(m));
            for (const auto& m : v.value("warnings", json::array())) result.warnings.push_back(to_message(m));
            for (const auto& f : v.value("outputFiles", json::array()))
                result.outputs.push_back({as_text(f.value("path", json())), as_text(f.value("contents", json()))});
            std::string meta = as_text(v.value("metafile", json()));
            if (!meta.empty()) result.metafile = json::parse(meta, nullptr, false);
            child.stop();
            return result;
        }
        // A callback from esbuild.
        std::string command = as_text(v.value("command", json()));
        json response = json::object();
        if (command == "on-resolve") {
            ResolveArgs a{as_text(v.value("path", json())), as_text(v.value("importer", json())),
                          as_text(v.value("namespace", json())), as_text(v.value("resolveDir", json())),
                          as_text(v.value("kind", json()))};
            for (const auto& id : v.value("ids", json::array())) {
                int i = as_int(id);
                if (i < 0 || i >= load_base) continue;
                auto r = req.on_resolve[static_cast<size_t>(i)].fn(a);
                if (!r) continue;
                response["id"] = i;
                if (!r->error.empty()) {
                    response["errors"] = json::array({plugin_message(r->error, "tenantctl")});
                } else {
                    response["path"] = r->path;
                    response["external"] = r->external;
                    if (!r->ns.empty()) response["namespace"] = r->ns;
                }
                break;
            }
        } else if (command == "on-load") {
            LoadArgs a{as_text(v.value("path", json())), as_text(v.value("namespace", json()))};
            for (const auto& id : v.value("ids", json::array())) {
                int i = as_int(id) - load_base;
                if (i < 0 || static_cast<size_t>(i) >= req.on_load.size()) continue;
                auto r = req.on_load[static_cast<size_t>(i)].fn(a);
                if (!r) continue;
                response["id"] = as_int(id);
                response["contents"] = json::binary(std::vector<uint8_t>(r->contents.begin(), r->contents.end()));
                if (!r->loader.empty()) response["loader"] = r->loader;
                if (!r->resolve_dir.empty()) response["resolveDir"] = r->resolve_dir;
                break;
            }
        } else if (command == "on-start" || command == "on-end") {
            response = {{"errors", json::array()}, {"warnings", json::array()}};
        }
        // "ping" and anything else: an empty answer keeps esbuild going.
        if (!child.write_all(encode_packet(packet->id, false, response)))
            return broken("could not answer a " + command + " callback");
    }
}

}  // namespace tenantctl::bundle
